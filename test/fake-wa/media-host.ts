// A fake WhatsApp media host (the role of mmg.whatsapp.net) for tests: serves uploads encrypted the
// way WhatsApp stores them (Baileys' own media keys, AES-256-CBC + a 10-byte HMAC) over HTTPS at a
// throttled rate, and records every request, so a test sees whether and when a client downloaded.
// Test-only: `trust()` makes this process's fetch accept the host's throwaway certificate.
import { execFileSync } from "node:child_process";
import { createCipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { getMediaKeys, type proto } from "@whiskeysockets/baileys";
import { Agent, type Dispatcher } from "undici";

export interface MediaRequest {
  path: string;
  startedAt: number;
  /** Set when the last byte was written; undefined while the download is in flight. */
  finishedAt?: number;
}

interface HostedFile {
  body: Buffer;
  bytesPerSecond: number;
}

/** Where Node's fetch (undici) looks for the dispatcher it uses when a call names none. */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const TICK_MS = 50;

/** A self-signed certificate for 127.0.0.1, made fresh per host (nothing secret is kept in the repository). */
function throwawayCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "fake-media-tls-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    ], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** WhatsApp's upload format: AES-256-CBC of the bytes, then the first 10 bytes of HMAC-SHA256(iv ‖ ciphertext). */
async function encryptUpload(plaintext: Buffer, mediaKey: Buffer): Promise<Buffer> {
  const { iv, cipherKey, macKey } = await getMediaKeys(mediaKey, "image");
  if (!macKey) throw new Error("fake media host: Baileys derived no mac key");
  const cipher = createCipheriv("aes-256-cbc", cipherKey, iv);
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const mac = createHmac("sha256", macKey).update(iv).update(encrypted).digest().subarray(0, 10);
  return Buffer.concat([encrypted, mac]);
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest();

export class FakeMediaHost {
  readonly requests: MediaRequest[] = [];
  private readonly files = new Map<string, HostedFile>();
  private readonly tls = throwawayCertificate();
  private readonly server: Server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => {
    const path = req.url ?? "/";
    const file = this.files.get(path);
    if (!file) return void res.writeHead(404).end();
    const request: MediaRequest = { path, startedAt: Date.now() };
    this.requests.push(request);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.body.length });
    this.stream(file, res, () => (request.finishedAt = Date.now()));
  });
  private host = "";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Encrypts `plaintext` as an image upload served at `bytesPerSecond` (unthrottled by default) and
   * returns the imageMessage a contact would send: Baileys downloads `https://<host of url><directPath>`.
   */
  async image(plaintext: Buffer, options: { bytesPerSecond?: number; caption?: string } = {}): Promise<proto.Message.IImageMessage> {
    const mediaKey = randomBytes(32);
    const body = await encryptUpload(plaintext, mediaKey);
    const directPath = `/v/t62.7118-24/${randomBytes(8).toString("hex")}.enc?ccb=11-4`;
    this.files.set(directPath, { body, bytesPerSecond: options.bytesPerSecond ?? Number.POSITIVE_INFINITY });
    return {
      url: `https://${this.host}${directPath}`, directPath, mimetype: "image/jpeg", caption: options.caption ?? null,
      mediaKey, fileSha256: sha256(plaintext), fileEncSha256: sha256(body), fileLength: plaintext.length,
      width: 64, height: 64, mediaKeyTimestamp: Math.floor(Date.now() / 1000),
    };
  }

  /** Makes this process's fetch trust the host's certificate (public roots kept); returns the undo. */
  trust(): () => void {
    const globals = globalThis as Record<symbol, Dispatcher | undefined>;
    const previous = globals[GLOBAL_DISPATCHER];
    globals[GLOBAL_DISPATCHER] = new Agent({ connect: { ca: [...rootCertificates, this.tls.cert.toString()] } });
    return () => {
      if (previous) globals[GLOBAL_DISPATCHER] = previous;
      else delete globals[GLOBAL_DISPATCHER];
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Writes the body one slice per tick, so `bytesPerSecond` holds however fast the client reads. */
  private stream(file: HostedFile, res: ServerResponse, done: () => void): void {
    const slice = Number.isFinite(file.bytesPerSecond) ? Math.max(1, Math.floor((file.bytesPerSecond * TICK_MS) / 1000)) : file.body.length;
    let offset = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(file.body.subarray(offset, offset + slice));
      offset += slice;
      if (offset < file.body.length) setTimeout(next, TICK_MS);
      else res.end(done);
    };
    next();
  }
}

export async function startFakeMediaHost(): Promise<FakeMediaHost> {
  const host = new FakeMediaHost();
  await host.start();
  return host;
}
