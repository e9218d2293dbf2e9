/**
 * The one place that hides secrets in URLs before they are shown: every error message, warning, log line, `--json`
 * value and snapshot field passes through `maskCredentials`.
 */

/**
 * A URL starts a value or follows a space, quote, bracket, `=` or comma, so a local path such as `/data/a:b@c` is
 * never taken for one. The scheme is any `name:` of two or more letters, with `//` or not (`s3:key:secret@host`,
 * `rest:http://…`). The user-info runs to the last `@` of the word, since passwords may hold `/` or `@` unescaped.
 */
const URL_WITH_USERINFO = /(^|[\s"'(<[=,])([a-z][a-z0-9+.-]+:(?:https?:\/\/|\/\/)?)([^\s@]*(?:@[^\s@]*)*)@/gi;

/**
 * Replaces the password in the user-info of every URL in `text` by `***` (`rest:https://user:***@host/`), as Go's
 * `url.Redacted` and restic show it; a bare user name (`sftp:user@host:/path`) is no secret and stays.
 */
export function maskCredentials(text: string): string {
  return text.replace(URL_WITH_USERINFO, (whole, lead: string, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon < 0) return whole;
    return `${lead}${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
