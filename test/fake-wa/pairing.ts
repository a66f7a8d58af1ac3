// What the phone does when it scans a Baileys QR: parse it and build the signed `pair-success`
// the server forwards to the companion. Pure apart from key generation; no sockets here.
import { createHmac, randomBytes } from "node:crypto";
import { Curve, WA_ADV_ACCOUNT_SIG_PREFIX, proto, type BinaryNode, type KeyPair } from "@whiskeysockets/baileys";

export interface ScannedQr {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
  platform: string;
}

/** `https://wa.me/settings/linked_devices#ref,noiseKey,identityKey,advSecret,platform` (rc14). */
export function parseQr(qr: string): ScannedQr {
  const data = qr.includes("#") ? qr.slice(qr.indexOf("#") + 1) : qr;
  const [ref, noiseKey, identityKey, advSecret, platform] = data.split(",");
  if (!ref || !noiseKey || !identityKey || !advSecret) throw new Error(`fake-wa: not a pairing QR: ${qr}`);
  return {
    ref,
    noiseKey: Buffer.from(noiseKey, "base64"),
    identityKey: Buffer.from(identityKey, "base64"),
    advSecret: Buffer.from(advSecret, "base64"),
    platform: platform ?? "",
  };
}

export interface PairSuccessInput {
  qr: ScannedQr;
  accountKey: KeyPair;
  deviceJid: string;
  deviceLid: string;
  keyIndex: number;
  platform?: string;
  pushName?: string;
}

export function buildPairSuccess(input: PairSuccessInput, id: string, now: number): BinaryNode {
  const details = proto.ADVDeviceIdentity.encode({
    rawId: randomBytes(4).readUInt32BE(0), timestamp: now, keyIndex: input.keyIndex,
  }).finish();
  const accountSignature = Curve.sign(
    input.accountKey.private,
    Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, input.qr.identityKey]),
  );
  const signed = proto.ADVSignedDeviceIdentity.encode({
    details, accountSignatureKey: input.accountKey.public, accountSignature,
  }).finish();
  const hmac = createHmac("sha256", input.qr.advSecret).update(signed).digest();
  const identity = proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish();
  return {
    tag: "iq",
    attrs: { from: "s.whatsapp.net", type: "result", id, t: String(now) },
    content: [{
      tag: "pair-success", attrs: {},
      content: [
        { tag: "device-identity", attrs: {}, content: identity },
        { tag: "platform", attrs: { name: input.platform ?? "android" } },
        { tag: "device", attrs: { jid: input.deviceJid, lid: input.deviceLid } },
      ],
    }],
  };
}
