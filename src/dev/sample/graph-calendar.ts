/**
 * The calendar in the sample Graph: calendarView between two times (both required) and
 * getSchedule (free/busy of up to 100 people). learn.microsoft.com/graph/api/user-list-calendarview,
 * calendar-getschedule (availabilityView: one digit per interval, 0 free, 1 tentative, 2 busy, 3 oof).
 */
import { json } from './http.ts';
import { badRequest, page, requireScope, type Route } from './odata.ts';
import type { CalendarEvent, SampleTenant } from './tenant.ts';

const READ = ['Calendars.ReadBasic', 'Calendars.Read', 'Calendars.ReadWrite'];
const dt = (iso: string) => ({ dateTime: iso.replace(/Z$/, '.0000000'), timeZone: 'UTC' });

/** A time in the zone `Prefer: outlook.timezone="…"` names (IANA names here), as Graph returns it. */
function inZone(iso: string, tz: string): { dateTime: string; timeZone: string } {
  try {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(Date.parse(iso)).map((x) => [x.type, x.value]));
    return { dateTime: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}.0000000`, timeZone: tz };
  } catch {
    return dt(iso);
  }
}

function preferredZone(prefer: string | undefined): string | undefined {
  return /outlook\.timezone="([^"]+)"/i.exec(prefer ?? '')?.[1];
}

function eventJson(e: CalendarEvent, tz?: string): Record<string, unknown> {
  const p = (x: { name: string; address: string }) => ({ emailAddress: { name: x.name, address: x.address } });
  return {
    id: e.id, subject: e.subject, bodyPreview: e.bodyPreview, start: tz ? inZone(e.start, tz) : dt(e.start), end: tz ? inZone(e.end, tz) : dt(e.end), location: { displayName: e.location },
    organizer: p(e.organizer), attendees: e.attendees.map((a) => ({ ...p(a), type: 'required', status: { response: 'accepted' } })),
    isOnlineMeeting: e.isOnlineMeeting, showAs: e.showAs, isAllDay: false, isCancelled: false,
  };
}

function time(v: unknown, name: string): number {
  const raw = typeof v === 'string' ? v : (v as { dateTime?: unknown } | undefined)?.dateTime;
  const ms = typeof raw === 'string' ? Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(raw) ? raw : `${raw}Z`) : NaN;
  if (Number.isNaN(ms)) throw badRequest(`The value of '${name}' is missing or is not a valid date and time.`, 'ErrorInvalidParameter');
  return ms;
}

export function calendarRoutes(tenant: SampleTenant, base: string): Route[] {
  return [
    {
      method: 'GET',
      re: /^\/v1\.0\/me\/(?:calendar\/)?calendarView$/i,
      handle(_m, req, caller) {
        requireScope(caller, READ);
        if (!req.query.get('startDateTime') || !req.query.get('endDateTime')) throw badRequest('This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.', 'ErrorInvalidParameter');
        const from = time(req.query.get('startDateTime'), 'startDateTime');
        const to = time(req.query.get('endDateTime'), 'endDateTime');
        const items = tenant.calendar(caller.oid)
          .filter((e) => Date.parse(e.end) > from && Date.parse(e.start) < to)
          .sort((a, b) => a.start.localeCompare(b.start))
          .map((e) => eventJson(e, preferredZone(req.header('prefer'))));
        return page(req, base, 'event', items, { def: 10, max: 1000 });
      },
    },
    {
      method: 'POST',
      re: /^\/v1\.0\/me\/calendar\/getSchedule$/i,
      handle(_m, req, caller) {
        requireScope(caller, READ);
        const body = req.json() as { schedules?: unknown; startTime?: unknown; endTime?: unknown; availabilityViewInterval?: unknown } | undefined;
        if (!Array.isArray(body?.schedules) || body.schedules.length === 0 || body.schedules.some((s) => typeof s !== 'string')) throw badRequest("'schedules' must list at least one e-mail address.", 'ErrorInvalidParameter');
        if (body.schedules.length > 100) throw badRequest('At most 100 schedules can be requested at once.', 'ErrorInvalidParameter');
        const from = time(body.startTime, 'startTime');
        const to = time(body.endTime, 'endTime');
        const interval = body.availabilityViewInterval === undefined ? 30 : Number(body.availabilityViewInterval);
        if (!Number.isInteger(interval) || interval < 5 || interval > 1440) throw badRequest("'availabilityViewInterval' must be 5 to 1440 minutes.", 'ErrorInvalidParameter');
        if (to <= from || to - from > 62 * 24 * 3_600_000) throw badRequest('The time window must be positive and at most 62 days.', 'ErrorInvalidParameter');
        const value = (body.schedules as string[]).map((address) => {
          const user = tenant.directory.list().find((u) => u.mail.toLowerCase() === address.toLowerCase());
          if (!user) return { scheduleId: address, error: { message: 'The user or group was not found in the directory.', responseCode: 'ErrorMailRecipientNotFound' } };
          const events = tenant.calendar(user.oid).filter((e) => Date.parse(e.end) > from && Date.parse(e.start) < to);
          let view = '';
          for (let t = from; t < to; t += interval * 60_000) {
            const busy = events.filter((e) => Date.parse(e.start) < t + interval * 60_000 && Date.parse(e.end) > t);
            view += busy.some((e) => e.showAs === 'busy') ? '2' : busy.some((e) => e.showAs === 'tentative') ? '1' : '0';
          }
          return {
            scheduleId: address, availabilityView: view,
            scheduleItems: events.map((e) => ({ isPrivate: false, status: e.showAs, subject: e.subject, location: e.location, start: dt(e.start), end: dt(e.end) })),
            workingHours: { daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], startTime: '08:00:00.0000000', endTime: '17:00:00.0000000', timeZone: { name: 'UTC' } },
          };
        });
        return json(200, { '@odata.context': `${base}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)`, value });
      },
    },
  ];
}
