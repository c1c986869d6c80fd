/** The `calendar` pack: today's events, upcoming events, and free/busy of people. */
import { z } from 'zod';
import { defineTool, ToolError, type ToolContext } from '../define.ts';
import { graphPage, READ_ONLY } from '../helpers.ts';

interface GraphEvent {
  id: string;
  subject?: string;
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  location?: { displayName?: string };
  organizer?: { emailAddress?: { name?: string; address?: string } };
  attendees?: unknown[];
  isOnlineMeeting?: boolean;
  showAs?: string;
  bodyPreview?: string;
}

const FIELDS = ['id', 'subject', 'start', 'end', 'location', 'organizer', 'attendees', 'isOnlineMeeting', 'showAs', 'bodyPreview'];
const event = z.object({ id: z.string(), subject: z.string(), start: z.string(), end: z.string(), timeZone: z.string(), location: z.string(), organizer: z.string(), attendees: z.number(), online: z.boolean(), showAs: z.string(), preview: z.string() });
const output = z.object({ from: z.string(), to: z.string(), events: z.array(event), nextCursor: z.string().nullable() });
const timeZone = z.string().max(64).default('UTC').describe('IANA time zone for "today" and the times returned, e.g. Europe/Paris');

const toEvent = (e: GraphEvent) => ({
  id: e.id, subject: e.subject ?? '', start: e.start?.dateTime ?? '', end: e.end?.dateTime ?? '', timeZone: e.start?.timeZone ?? 'UTC', location: e.location?.displayName ?? '',
  organizer: e.organizer?.emailAddress?.name ?? e.organizer?.emailAddress?.address ?? '', attendees: e.attendees?.length ?? 0, online: Boolean(e.isOnlineMeeting), showAs: e.showAs ?? 'busy', preview: e.bodyPreview ?? '',
});

/** Midnight of `now`'s day in `tz`, as epoch ms. */
export function startOfDay(now: number, tz: string): number {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
  } catch {
    throw new ToolError(`"${tz}" is not a time zone; use an IANA name such as Europe/Paris or America/New_York.`);
  }
  const p = Object.fromEntries(fmt.formatToParts(now).map((x) => [x.type, Number(x.value)]));
  const offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(now / 1000) * 1000;
  return Date.UTC(p.year!, p.month! - 1, p.day!) - offset;
}

async function view(ctx: ToolContext, from: number, to: number, tz: string, top: number, cursor?: string) {
  const page = await graphPage<GraphEvent>(ctx.graph, '/me/calendarView', (r) =>
    r.query({ startDateTime: new Date(from).toISOString(), endDateTime: new Date(to).toISOString() }).select(FIELDS).orderby('start/dateTime').top(top).header('Prefer', `outlook.timezone="${tz}"`), cursor);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), events: page.items.map(toEvent), nextCursor: page.nextCursor };
}

export const calendarToday = defineTool({
  name: 'calendar_today',
  title: "Today's calendar",
  description: "The signed-in user's meetings and appointments today, in order, with times in the given time zone.",
  input: z.object({ timeZone }),
  output,
  annotations: READ_ONLY,
  scopes: { graph: ['Calendars.Read'] },
  handler({ timeZone }, ctx) {
    const start = startOfDay(Date.now(), timeZone);
    return view(ctx, start, start + 24 * 3_600_000, timeZone, 50);
  },
});

export const calendarUpcoming = defineTool({
  name: 'calendar_upcoming',
  title: 'Upcoming events',
  description: "The signed-in user's events from now for the next days (default 7), in order.",
  input: z.object({ days: z.number().int().min(1).max(31).default(7), limit: z.number().int().min(1).max(50).default(20), timeZone, cursor: z.string().max(4000).optional() }),
  output,
  annotations: READ_ONLY,
  scopes: { graph: ['Calendars.Read'] },
  handler({ days, limit, timeZone, cursor }, ctx) {
    const now = Date.now();
    return view(ctx, now, now + days * 24 * 3_600_000, timeZone, limit, cursor);
  },
});

const STATUS: Record<string, string> = { '0': 'free', '1': 'tentative', '2': 'busy', '3': 'away', '4': 'working elsewhere' };

export const calendarFreeBusy = defineTool({
  name: 'calendar_free_busy',
  title: 'Free/busy',
  description: 'When people (by e-mail address) are free or busy between two times, in slots of intervalMinutes: use it to find a meeting time.',
  input: z.object({
    people: z.array(z.email()).min(1).max(20),
    start: z.iso.datetime({ offset: true }).describe('ISO 8601, e.g. 2024-06-03T09:00:00Z'),
    end: z.iso.datetime({ offset: true }),
    intervalMinutes: z.number().int().min(5).max(240).default(30),
  }),
  output: z.object({
    schedules: z.array(z.object({ person: z.string(), error: z.string().nullable(), slots: z.array(z.object({ start: z.string(), status: z.string() })) })),
  }),
  annotations: READ_ONLY,
  scopes: { graph: ['Calendars.ReadBasic'] },
  async handler({ people, start, end, intervalMinutes }, ctx) {
    const from = Date.parse(start);
    const to = Date.parse(end);
    if (!(to > from) || to - from > 14 * 24 * 3_600_000) throw new ToolError('end must be after start, and at most 14 days later.');
    const res = (await ctx.graph.api('/me/calendar/getSchedule').post({
      schedules: people,
      startTime: { dateTime: new Date(from).toISOString().replace(/Z$/, ''), timeZone: 'UTC' },
      endTime: { dateTime: new Date(to).toISOString().replace(/Z$/, ''), timeZone: 'UTC' },
      availabilityViewInterval: intervalMinutes,
    })) as { value?: { scheduleId: string; availabilityView?: string; error?: { message?: string } }[] };
    return {
      schedules: (res.value ?? []).map((s) => ({
        person: s.scheduleId,
        error: s.error?.message ?? null,
        slots: [...(s.availabilityView ?? '')].map((c, i) => ({ start: new Date(from + i * intervalMinutes * 60_000).toISOString(), status: STATUS[c] ?? 'unknown' })),
      })),
    };
  },
});

export const calendarPack = [calendarToday, calendarUpcoming, calendarFreeBusy];
