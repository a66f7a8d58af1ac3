// .dev.vars handling for `npm start`: parse the dotenv-style file and fill in generated secrets.
// Pure: no I/O, no randomness of its own (the caller passes the secret generator).

/** The variables `npm start` generates on first run when the example still holds a placeholder. */
export const GENERATED_VARS = ["AUTHENTICATION_API_KEY", "CONNECTOR_SECRET"] as const;

export type GeneratedVar = (typeof GENERATED_VARS)[number];

/** Parses `KEY=value` lines; `#` comments and blank lines are ignored; surrounding quotes are removed. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value.startsWith('"') || value.startsWith("'")) && value.endsWith(value[0]!)) {
      value = value.slice(1, -1);
    }
    vars[key] = value;
  }
  return vars;
}

export interface GeneratedDevVars {
  text: string;
  generated: Record<GeneratedVar, string>;
}

/**
 * Turns `.dev.vars.example` into `.dev.vars`: every generated variable gets a fresh value
 * (added at the end if the example lacks it); every other line is kept as written.
 */
export function buildDevVars(exampleText: string, newSecret: (name: GeneratedVar) => string): GeneratedDevVars {
  const generated = Object.fromEntries(GENERATED_VARS.map((name) => [name, newSecret(name)])) as Record<GeneratedVar, string>;
  const seen = new Set<string>();
  const lines = exampleText.split(/\r?\n/).map((line) => {
    const match = /^\s*([A-Z0-9_]+)\s*=/.exec(line);
    const name = match?.[1] as GeneratedVar | undefined;
    if (!name || !(GENERATED_VARS as readonly string[]).includes(name)) return line;
    seen.add(name);
    return `${name}=${generated[name]}`;
  });
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  for (const name of GENERATED_VARS) if (!seen.has(name)) lines.push(`${name}=${generated[name]}`);
  return { text: `${lines.join("\n")}\n`, generated };
}

/** Names of required variables that are missing or still hold the example's `change-me` placeholder. */
export function missingSecrets(vars: Record<string, string>): GeneratedVar[] {
  return GENERATED_VARS.filter((name) => !vars[name] || vars[name]!.startsWith("change-me"));
}
