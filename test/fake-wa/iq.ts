// Answers the IQs a logged-in Baileys rc14 client sends (prekeys, usync, props, privacy, app
// state, groups, ping…). Unknown IQs get an empty result so the client never hangs on them.
import { getBinaryNodeChild, getBinaryNodeChildren, type BinaryNode } from "@whiskeysockets/baileys";
import { groupNode, type GroupInfo } from "./stanzas.ts";
import { lidJid, pnJid, type ClientKeys, type FakeUser } from "./users.ts";

export interface IqContext {
  now: number;
  /** The account's own phone (device 0) or a contact; creates unknown PN contacts on demand. */
  userFor(jid: string): FakeUser | undefined;
  group(jid: string): GroupInfo | undefined;
  groups(): GroupInfo[];
  clientKeys(): ClientKeys | undefined;
  storeClientKeys(update: Partial<ClientKeys> & { preKeys?: ClientKeys["preKeys"] }): void;
}

const result = (iq: BinaryNode, content?: BinaryNode[], from = "s.whatsapp.net"): BinaryNode => ({
  tag: "iq", attrs: { from: iq.attrs.from ?? iq.attrs.to ?? from, type: "result", id: iq.attrs.id ?? "" }, content,
});

const bytesOf = (node: BinaryNode | undefined, tag: string): Buffer | undefined => {
  const child = node && getBinaryNodeChild(node, tag);
  return child?.content instanceof Uint8Array ? Buffer.from(child.content) : undefined;
};

const uint = (buf: Buffer | undefined) => (buf ? buf.readUIntBE(0, buf.length) : 0);

export async function answerIq(iq: BinaryNode, ctx: IqContext): Promise<BinaryNode> {
  const child = Array.isArray(iq.content) ? iq.content[0] : undefined;
  switch (iq.attrs.xmlns) {
    case "encrypt": return answerEncrypt(iq, child, ctx);
    case "usync": return result(iq, [answerUsync(child!, ctx)]);
    case "abt": return result(iq, [{ tag: "props", attrs: { protocol: "1", hash: "fake-wa-props" } }]);
    case "blocklist": return result(iq, [{ tag: "list", attrs: {} }]);
    case "privacy": return answerPrivacy(iq, child);
    case "w:sync:app:state": return answerAppState(iq, child);
    case "w:g2": return answerGroup(iq, child, ctx);
    default: return result(iq);
  }
}

async function answerEncrypt(iq: BinaryNode, child: BinaryNode | undefined, ctx: IqContext): Promise<BinaryNode> {
  if (child?.tag === "count") {
    return result(iq, [{ tag: "count", attrs: { value: String(ctx.clientKeys()?.preKeys.length ?? 0) } }]);
  }
  if (child?.tag === "digest") return result(iq, [{ tag: "digest", attrs: {} }]);
  if (child?.tag === "key") return answerKeyBundles(iq, child, ctx);
  if (iq.attrs.type === "set") storeUploadedKeys(iq, ctx);
  return result(iq);
}

function storeUploadedKeys(iq: BinaryNode, ctx: IqContext): void {
  const list = getBinaryNodeChild(iq, "list");
  const skey = getBinaryNodeChild(iq, "skey") ?? getBinaryNodeChild(getBinaryNodeChild(iq, "rotate"), "skey");
  const preKeys = getBinaryNodeChildren(list, "key").map((key) => ({
    keyId: uint(bytesOf(key, "id")), publicKey: bytesOf(key, "value")!,
  }));
  const identity = bytesOf(iq, "identity");
  const registration = bytesOf(iq, "registration");
  ctx.storeClientKeys({
    ...(registration && { registrationId: uint(registration) }),
    ...(identity && { identity }),
    ...(skey && { signedPreKey: {
      keyId: uint(bytesOf(skey, "id")), publicKey: bytesOf(skey, "value")!, signature: bytesOf(skey, "signature")!,
    } }),
    ...(list && { preKeys }),
  });
}

async function answerKeyBundles(iq: BinaryNode, keyNode: BinaryNode, ctx: IqContext): Promise<BinaryNode> {
  const bundles: BinaryNode[] = [];
  for (const { attrs: { jid = "" } } of getBinaryNodeChildren(keyNode, "user")) {
    const user = ctx.userFor(jid);
    bundles.push(user
      ? await user.bundleNode(jid)
      : { tag: "user", attrs: { jid }, content: [{ tag: "error", attrs: { code: "404", text: "item-not-found" } }] });
  }
  return result(iq, [{ tag: "list", attrs: {}, content: bundles }]);
}

function answerUsync(usync: BinaryNode, ctx: IqContext): BinaryNode {
  const query = getBinaryNodeChild(usync, "query")?.content;
  const protocols = Array.isArray(query) ? query.map((p) => p.tag) : [];
  const users = getBinaryNodeChildren(getBinaryNodeChild(usync, "list"), "user").map((u) => {
    const contact = getBinaryNodeChild(u, "contact");
    const phone = contact?.content ? Buffer.from(contact.content as Uint8Array).toString().replace(/\D/g, "") : undefined;
    const jid = u.attrs.jid ?? pnJid(phone ?? "0");
    const user = ctx.userFor(jid);
    const content: BinaryNode[] = [];
    for (const protocol of protocols) {
      if (protocol === "devices") {
        content.push({ tag: "devices", attrs: {}, content: [
          { tag: "device-list", attrs: {}, content: user ? [{ tag: "device", attrs: { id: "0" } }] : [] },
          { tag: "key-index-list", attrs: { ts: String(ctx.now) } },
        ] });
      }
      if (protocol === "lid" && user && jid.endsWith("@s.whatsapp.net")) {
        content.push({ tag: "lid", attrs: { val: lidJid(user.lid) } });
      }
      if (protocol === "contact") content.push({ tag: "contact", attrs: { type: user ? "in" : "out" } });
    }
    return { tag: "user", attrs: { jid }, content };
  });
  return { tag: "usync", attrs: { ...usync.attrs }, content: [{ tag: "list", attrs: {}, content: users }] };
}

function answerPrivacy(iq: BinaryNode, child: BinaryNode | undefined): BinaryNode {
  if (iq.attrs.type !== "get" || child?.tag !== "privacy") return result(iq);
  const categories = ["last", "online", "profile", "status", "groupadd", "readreceipts", "calladd"];
  return result(iq, [{
    tag: "privacy", attrs: {},
    content: categories.map((name) => ({ tag: "category", attrs: { name, value: name === "readreceipts" ? "all" : "contacts" } })),
  }]);
}

// rc14 loops forever unless every requested collection is echoed back.
function answerAppState(iq: BinaryNode, sync: BinaryNode | undefined): BinaryNode {
  const collections = getBinaryNodeChildren(sync, "collection").map((c) => ({
    tag: "collection", attrs: { name: c.attrs.name ?? "", version: c.attrs.version ?? "0" },
  }));
  return result(iq, [{ tag: "sync", attrs: {}, content: collections }]);
}

function answerGroup(iq: BinaryNode, child: BinaryNode | undefined, ctx: IqContext): BinaryNode {
  if (child?.tag === "participating") {
    return result(iq, [{ tag: "groups", attrs: {}, content: ctx.groups().map(groupNode) }]);
  }
  const group = ctx.group(iq.attrs.to ?? "");
  if (!group) return { ...result(iq), attrs: { ...result(iq).attrs, type: "error" }, content: [{ tag: "error", attrs: { code: "404", text: "item-not-found" } }] };
  return result(iq, [groupNode(group)], iq.attrs.to);
}
