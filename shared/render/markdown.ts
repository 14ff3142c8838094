/**
 * Makes user-controlled text (commit messages, titles, names) inert in GitHub Markdown:
 * no formatting, no HTML, no table breakage, and no `@mention` that would ping someone.
 */
export function escapeMarkdown(text: string, maxLength = 200): string {
  const oneLine = text.replace(/[\r\n]+/g, " ").trim();
  const short = oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 1)}…` : oneLine;
  return short
    // Only what can format, link, embed HTML or break a table; `(` `#` `!` are inert once `[` is escaped and lines are joined.
    .replace(/[\\`*_{}[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/@/g, "@\u200b");
}

/** The 7-character form GitHub shows; always from a full 40-hex SHA we hold. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
