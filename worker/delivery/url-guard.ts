// SSRF guard for webhook URLs (docs/delivery.md#ssrf-guard): refuses loopback, private, link-local and other
// non-public literal addresses unless private URLs are allowed. Pure: no DNS, no I/O.
// Hostnames are checked by name (localhost, *.localhost, *.local, *.internal); Workers'
// own fetch cannot reach private networks by DNS, so literal addresses are the risk.

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

function parseIpv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

function isPrivateIpv4([a, b]: number[]): boolean {
  if (a === undefined || b === undefined) return false;
  return (
    a === 0 || a === 10 || a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224 // multicast and reserved
  );
}

function isPrivateIpv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped?.[1]) {
    const v4 = parseIpv4(mapped[1]);
    return v4 ? isPrivateIpv4(v4) : true;
  }
  if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(h)) return true; // mapped, hex form
  return /^f[cd][0-9a-f]{0,2}:/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h) || /^ff[0-9a-f]{0,2}:/.test(h);
}

/** Whether the URL's host is loopback / private / link-local / otherwise not public. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) return true;
  if (host.includes(":")) return isPrivateIpv6(host);
  const v4 = parseIpv4(host);
  if (v4) return isPrivateIpv4(v4);
  // Bare numbers (http://2130706433/) are IPv4 in disguise; the URL parser normalises most, refuse the rest.
  return /^[0-9x.]+$/.test(host);
}

/** Validates a webhook target: absolute http(s) URL, public host unless `allowPrivate`. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "must be an absolute http(s) URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, reason: "must be an absolute http(s) URL" };
  if (url.username || url.password) return { ok: false, reason: "must not contain credentials" };
  if (!allowPrivate && isPrivateHost(url.hostname)) {
    return { ok: false, reason: "points at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow)" };
  }
  return { ok: true, url };
}
