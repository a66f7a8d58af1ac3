// Server side of WhatsApp's Noise_XX handshake and transport framing, plus the fake certificate
// chain. Test-only: the fake root is trusted by mutating Baileys' WA_CERT_DETAILS in the test
// process (trustFakeRoot); nothing here may be imported by production code.
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from "node:crypto";
import { Curve, WA_CERT_DETAILS, proto, type KeyPair } from "@whiskeysockets/baileys";

const NOISE_MODE = "Noise_XX_25519_AESGCM_SHA256\0\0\0\0";
const WA_HEADER_LENGTH = 4;

const sha256 = (...parts: Uint8Array[]) => createHash("sha256").update(Buffer.concat(parts)).digest();

function ivFor(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
}

function gcmEncrypt(key: Uint8Array, counter: number, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, ivFor(counter));
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function gcmDecrypt(key: Uint8Array, counter: number, aad: Uint8Array, data: Uint8Array): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, ivFor(counter));
  decipher.setAAD(aad);
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
}

/** The fake root + a chain (intermediate signed by root, leaf = server static key). */
export interface FakeCertificates {
  root: KeyPair;
  serverStatic: KeyPair;
  chain: Buffer;
}

export function createFakeCertificates(): FakeCertificates {
  const root = Curve.generateKeyPair();
  const intermediate = Curve.generateKeyPair();
  const serverStatic = Curve.generateKeyPair();
  const now = Math.floor(Date.now() / 1000);
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1, issuerSerial: 0, key: intermediate.public, notBefore: now - 3600, notAfter: now + 86_400 * 365,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2, issuerSerial: 1, key: serverStatic.public, notBefore: now - 3600, notAfter: now + 86_400 * 365,
  }).finish();
  const chain = proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: Curve.sign(root.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
  }).finish();
  return { root, serverStatic, chain: Buffer.from(chain) };
}

/**
 * Makes Baileys in THIS process trust `rootPublicKey` (32 bytes). Returns a function that restores
 * the real WhatsApp root. Process-global: only one fake root can be trusted at a time.
 */
export function trustFakeRoot(rootPublicKey: Uint8Array): () => void {
  const previous = { PUBLIC_KEY: WA_CERT_DETAILS.PUBLIC_KEY, SERIAL: WA_CERT_DETAILS.SERIAL };
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(rootPublicKey);
  WA_CERT_DETAILS.SERIAL = 0;
  return () => {
    WA_CERT_DETAILS.PUBLIC_KEY = previous.PUBLIC_KEY;
    WA_CERT_DETAILS.SERIAL = previous.SERIAL;
  };
}

/** Splits the client's byte stream into frames (3-byte big-endian length), skipping the intro header. */
export class FrameReader {
  private buffer = Buffer.alloc(0);
  private sawIntro = false;

  push(chunk: Buffer): Buffer[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.sawIntro) {
      const skip = this.introLength();
      if (skip === undefined) return [];
      this.buffer = this.buffer.subarray(skip);
      this.sawIntro = true;
    }
    const frames: Buffer[] = [];
    while (this.buffer.length >= 3) {
      const size = this.buffer.readUIntBE(0, 3);
      if (this.buffer.length < size + 3) break;
      frames.push(this.buffer.subarray(3, size + 3));
      this.buffer = this.buffer.subarray(size + 3);
    }
    return frames;
  }

  // "WA\x06\x03", or "ED\x00\x01" + 3-byte length + routing info + "WA\x06\x03".
  private introLength(): number | undefined {
    if (this.buffer.length < WA_HEADER_LENGTH) return undefined;
    if (this.buffer.toString("latin1", 0, 2) !== "ED") return WA_HEADER_LENGTH;
    if (this.buffer.length < 7) return undefined;
    return 7 + this.buffer.readUIntBE(4, 3) + WA_HEADER_LENGTH;
  }
}

export function frame(data: Uint8Array): Buffer {
  const out = Buffer.alloc(3 + data.length);
  out.writeUIntBE(data.length, 0, 3);
  out.set(data, 3);
  return out;
}

/** One connection's Noise state, server role. Feed it the client's frames in order. */
export class ServerNoise {
  private hash = Buffer.from(NOISE_MODE);
  private salt = this.hash;
  private key = this.hash;
  private counter = 0;
  private readonly ephemeral = Curve.generateKeyPair();
  private transport?: { enc: Buffer; dec: Buffer; readCounter: number; writeCounter: number };

  constructor(private readonly certs: FakeCertificates) {
    this.mixHash(Buffer.from([87, 65, 6, 3]));
  }

  get ready(): boolean {
    return this.transport !== undefined;
  }

  /** ClientHello → ServerHello bytes (unframed). */
  respondToHello(clientHelloFrame: Buffer): Buffer {
    const hello = proto.HandshakeMessage.decode(clientHelloFrame).clientHello;
    if (!hello?.ephemeral) throw new Error("fake-wa: expected ClientHello");
    const clientEphemeral = Buffer.from(hello.ephemeral);
    this.mixHash(clientEphemeral);
    this.mixHash(this.ephemeral.public);
    this.mixKey(Curve.sharedKey(this.ephemeral.private, clientEphemeral));
    const encStatic = this.encryptHandshake(this.certs.serverStatic.public);
    this.mixKey(Curve.sharedKey(this.certs.serverStatic.private, clientEphemeral));
    const encPayload = this.encryptHandshake(this.certs.chain);
    return Buffer.from(proto.HandshakeMessage.encode({
      serverHello: { ephemeral: this.ephemeral.public, static: encStatic, payload: encPayload },
    }).finish());
  }

  /** ClientFinish → the decoded ClientPayload; switches to transport keys. */
  acceptFinish(clientFinishFrame: Buffer): proto.ClientPayload {
    const finish = proto.HandshakeMessage.decode(clientFinishFrame).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error("fake-wa: expected ClientFinish");
    const clientStatic = this.decryptHandshake(Buffer.from(finish.static));
    this.mixKey(Curve.sharedKey(this.ephemeral.private, clientStatic));
    const payload = proto.ClientPayload.decode(this.decryptHandshake(Buffer.from(finish.payload)));
    const keys = Buffer.from(hkdfSync("sha256", Buffer.alloc(0), this.salt, Buffer.alloc(0), 64));
    this.transport = { dec: keys.subarray(0, 32), enc: keys.subarray(32), readCounter: 0, writeCounter: 0 };
    return payload;
  }

  encrypt(plaintext: Uint8Array): Buffer {
    if (!this.transport) throw new Error("fake-wa: transport not ready");
    return gcmEncrypt(this.transport.enc, this.transport.writeCounter++, Buffer.alloc(0), plaintext);
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    if (!this.transport) throw new Error("fake-wa: transport not ready");
    return gcmDecrypt(this.transport.dec, this.transport.readCounter++, Buffer.alloc(0), ciphertext);
  }

  private mixHash(data: Uint8Array): void {
    this.hash = sha256(this.hash, data);
  }

  private mixKey(material: Uint8Array): void {
    const out = Buffer.from(hkdfSync("sha256", material, this.salt, Buffer.alloc(0), 64));
    this.salt = out.subarray(0, 32);
    this.key = out.subarray(32);
    this.counter = 0;
  }

  private encryptHandshake(plaintext: Uint8Array): Buffer {
    const out = gcmEncrypt(this.key, this.counter++, this.hash, plaintext);
    this.mixHash(out);
    return out;
  }

  private decryptHandshake(ciphertext: Buffer): Buffer {
    const out = gcmDecrypt(this.key, this.counter++, this.hash, ciphertext);
    this.mixHash(ciphertext);
    return out;
  }
}
