/**
 * Prisma builds `contains`, `startsWith`, `endsWith` and case-insensitive `equals` as LIKE / ILIKE patterns
 * without escaping LIKE's own characters (prisma/prisma#19506): `%` and `_` would match anything and a
 * trailing `\` is an invalid pattern (a 500). Every such filter in the admin goes through this.
 */

/** `text` as a LIKE pattern that matches exactly `text` (PostgreSQL's default escape character is `\`). */
export const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);
