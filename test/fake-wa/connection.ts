// One client WebSocket on the fake server: Noise state, frame reader, login identity and an
// ordered task chain. Owns no server state; server.ts decides what to do with each node.
import { encodeBinaryNode, type BinaryNode } from "@whiskeysockets/baileys";
import type { WebSocket } from "ws";
import { frame, FrameReader, ServerNoise, type FakeCertificates } from "./noise.ts";
import type { FakeAccount } from "./server.ts";
import { lidJid, type ClientKeys } from "./users.ts";

export class Connection {
  readonly reader = new FrameReader();
  readonly noise: ServerNoise;
  helloDone = false;
  account?: FakeAccount;
  device = 0;
  refs: string[] = [];
  registration?: ClientKeys;
  online = false;
  closed = false;
  private chain = Promise.resolve();

  constructor(readonly ws: WebSocket, certs: FakeCertificates) {
    this.noise = new ServerNoise(certs);
  }

  get deviceJid(): string {
    return lidJid(this.account!.lid, this.device);
  }

  /** Runs `task` after every earlier task on this connection (frames must be handled in order). */
  serial(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: unknown) => {
      if (!this.closed) console.error("fake-wa: connection error", err);
      this.ws.terminate();
    });
  }

  sendRaw(data: Uint8Array): void {
    if (!this.closed) this.ws.send(frame(data));
  }

  send(node: BinaryNode): void {
    this.sendRaw(this.noise.encrypt(encodeBinaryNode(node)));
  }
}
