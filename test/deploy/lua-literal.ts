/**
 * JSON-shaped data as a Lua 5.1 table constructor, the way Argo CD hands a resource to a health
 * script (gopher-lua converts the unstructured object into nested tables). Pure.
 */

/** A Lua string literal that reads back as exactly `text` (bytes above 127 pass through as UTF-8). */
export function luaString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\' || char === '"') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    // Control characters as decimal escapes: Lua 5.1 has no \x or \u.
    else if (code < 32 || code === 127) out += `\\${code.toString().padStart(3, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/**
 * `value` as a Lua expression: arrays become sequences (1-based, for ipairs), objects become
 * tables with string keys, null becomes nil (a missing field, as for Argo CD).
 */
export function toLuaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return luaString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot express ${value} in Lua`);
    return String(value);
  }
  if (Array.isArray(value)) return `{${value.map(toLuaLiteral).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).map(([key, field]) => `[${luaString(key)}] = ${toLuaLiteral(field)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`cannot express a ${typeof value} in Lua`);
}
