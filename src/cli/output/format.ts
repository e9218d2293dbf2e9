/** Text formatting shared by the commands, following restic's output. */

const KiB = 1024;
const MiB = KiB * 1024;
const GiB = MiB * 1024;
const TiB = GiB * 1024;

/** restic's ui.FormatBytes: "123 B", "1.500 KiB", "2.000 MiB"… */
export function formatBytes(n: number): string {
  if (n > TiB) return `${(n / TiB).toFixed(3)} TiB`;
  if (n > GiB) return `${(n / GiB).toFixed(3)} GiB`;
  if (n > MiB) return `${(n / MiB).toFixed(3)} MiB`;
  if (n > KiB) return `${(n / KiB).toFixed(3)} KiB`;
  return `${Math.round(n)} B`;
}

/** "M:SS" or "H:MM:SS", like restic's progress and summary. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** An RFC 3339 time as "YYYY-MM-DD HH:MM:SS" in the local zone of this process (restic's table format). */
export function formatLocalTime(rfc3339: string): string {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) return rfc3339;
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** Go's os.FileMode.String(), shared with the daemon's tree listing. */
export { goModeString } from '../../snapshot/index.js';

/**
 * A stored RFC 3339 time as Go's `time.Time.String()` prints it after restic read it from JSON (restic's `ls`
 * header): the stored offset kept, fraction without trailing zeros, "+0000 UTC" for `Z`, otherwise the offset and
 * this process's zone abbreviation when it has the same offset (Go's Local), else the offset twice.
 */
export function formatGoTime(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(rfc3339);
  if (!m) return rfc3339;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const time = `${m[1]} ${m[2]}${fraction === '' ? '' : `.${fraction}`}`;
  if (m[4]!.toUpperCase() === 'Z') return `${time} +0000 UTC`;
  const offset = m[4]!.replace(':', '');
  const minutes =
    (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3)));
  const local =
    -new Date(Date.parse(rfc3339)).getTimezoneOffset() === minutes ? localZoneName(rfc3339) : undefined;
  return `${time} ${offset} ${local ?? offset}`;
}

/** The local zone's abbreviation ("CET", "PST") at that time when the platform knows one. */
function localZoneName(rfc3339: string): string | undefined {
  const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(
    new Date(Date.parse(rfc3339)),
  );
  const name = parts.find((p) => p.type === 'timeZoneName')?.value;
  return name !== undefined && /^[A-Z]{2,5}$/.test(name) ? name : undefined;
}
