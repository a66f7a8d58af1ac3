// Fake WhatsApp users (contacts and the account's own phone) with real Signal identities, built on
// Baileys' own libsignal repository. Serves prekey bundles and encrypts/decrypts for a user.
import {
  Curve, KEY_BUNDLE_TYPE, addTransactionCapability, encodeBigEndian, generateSignalPubKey, initAuthCreds,
  proto, unpadRandomMax16, writeRandomPadMax16, type AuthenticationCreds, type BinaryNode,
} from "@whiskeysockets/baileys";
import { makeLibSignalRepository } from "@whiskeysockets/baileys/lib/Signal/libsignal.js";
import { createMemoryKeyStore, silentLogger } from "./memory-auth.ts";

export const pnJid = (pn: string, device = 0) => `${pn}${device ? `:${device}` : ""}@s.whatsapp.net`;
export const lidJid = (lid: string, device = 0) => `${lid}${device ? `:${device}` : ""}@lid`;
export const userOf = (jid: string) => jid.split("@")[0]!.split(":")[0]!;

/** The Signal keys a client uploaded (registration payload + `encrypt` set IQ). */
export interface ClientKeys {
  registrationId: number;
  identity: Buffer;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  preKeys: { keyId: number; publicKey: Buffer }[];
}

export class FakeUser {
  readonly creds: AuthenticationCreds = initAuthCreds();
  private readonly keys = addTransactionCapability(createMemoryKeyStore(), silentLogger, {
    maxCommitRetries: 1, delayBetweenTriesMs: 1,
  });
  private readonly repo = makeLibSignalRepository({ creds: this.creds, keys: this.keys }, silentLogger);
  private nextPreKeyId = 1;

  constructor(readonly pn: string, readonly lid: string, readonly name: string) {}

  get pnJid(): string {
    return pnJid(this.pn);
  }

  get lidJid(): string {
    return lidJid(this.lid);
  }

  /** The account signing key when this user is an account's own phone. */
  get identityKeyPair() {
    return this.creds.signedIdentityKey;
  }

  matches(jid: string): boolean {
    const user = userOf(jid);
    return user === this.pn || user === this.lid;
  }

  /** `<user jid>` with registration, identity, signed prekey and a fresh one-time prekey. */
  async bundleNode(jid: string): Promise<BinaryNode> {
    const preKeyId = this.nextPreKeyId++;
    const preKey = Curve.generateKeyPair();
    await this.keys.set({ "pre-key": { [preKeyId]: preKey } });
    const skey = this.creds.signedPreKey;
    const bytes = (tag: string, content: Uint8Array): BinaryNode => ({ tag, attrs: {}, content });
    return {
      tag: "user", attrs: { jid },
      content: [
        bytes("registration", encodeBigEndian(this.creds.registrationId)),
        bytes("type", KEY_BUNDLE_TYPE),
        bytes("identity", this.creds.signedIdentityKey.public),
        { tag: "skey", attrs: {}, content: [
          bytes("id", encodeBigEndian(skey.keyId, 3)), bytes("value", skey.keyPair.public), bytes("signature", skey.signature),
        ] },
        { tag: "key", attrs: {}, content: [bytes("id", encodeBigEndian(preKeyId, 3)), bytes("value", preKey.public)] },
      ],
    };
  }

  async decrypt(senderJid: string, type: "pkmsg" | "msg", ciphertext: Uint8Array): Promise<proto.Message> {
    const plain = await this.repo.decryptMessage({ jid: senderJid, type, ciphertext });
    return proto.Message.decode(unpadRandomMax16(plain));
  }

  async processSenderKey(senderJid: string, item: proto.Message.ISenderKeyDistributionMessage): Promise<void> {
    await this.repo.processSenderKeyDistributionMessage({ authorJid: senderJid, item });
  }

  async decryptGroup(group: string, senderJid: string, ciphertext: Uint8Array): Promise<proto.Message> {
    const plain = await this.repo.decryptGroupMessage({ group, authorJid: senderJid, msg: ciphertext });
    return proto.Message.decode(unpadRandomMax16(plain));
  }

  /** Signal-encrypts `message` for the client device `recipientJid`, starting a session from `client` keys. */
  async encryptFor(recipientJid: string, client: ClientKeys, message: proto.IMessage) {
    const { exists } = await this.repo.validateSession(recipientJid);
    if (!exists) {
      const preKey = client.preKeys.shift();
      await this.repo.injectE2ESession({
        jid: recipientJid,
        session: {
          registrationId: client.registrationId,
          identityKey: generateSignalPubKey(client.identity),
          signedPreKey: {
            keyId: client.signedPreKey.keyId,
            publicKey: generateSignalPubKey(client.signedPreKey.publicKey),
            signature: client.signedPreKey.signature,
          },
          preKey: preKey && { keyId: preKey.keyId, publicKey: generateSignalPubKey(preKey.publicKey) },
        },
      });
    }
    const data = writeRandomPadMax16(proto.Message.encode(message).finish());
    return this.repo.encryptMessage({ jid: recipientJid, data });
  }
}
