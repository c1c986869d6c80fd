/**
 * A small sample tenant: each user's mail, calendar and OneDrive, the tenant's SharePoint sites
 * and lists, and Azure DevOps projects, work items and pipelines. Made on first use per user, with
 * dates relative to now, so every pack's tools have realistic data. None of it is real.
 */
import { createHash } from 'node:crypto';
import { SAMPLE_FILES, SAMPLE_MAIL, SAMPLE_EVENTS, SAMPLE_SITES, SAMPLE_WORK, SAMPLE_PIPELINES, COLLEAGUES } from './content.ts';

export interface SampleUser {
  oid: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string;
  userPrincipalName: string;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  /** Azure DevOps organisations (account names) the user belongs to. */
  devopsOrgs: string[];
  devopsProfileId: string;
}

/** Where the tenant's users come from (the local platform's sample users, or the test emulator's directory). */
export interface SampleDirectory {
  get(oid: string): SampleUser | undefined;
  list(): SampleUser[];
}

export interface Person {
  name: string;
  address: string;
}

export interface Message {
  id: string;
  folder: 'inbox' | 'sentitems';
  subject: string;
  from: Person;
  to: Person[];
  cc: Person[];
  receivedDateTime: string;
  body: string;
  isRead: boolean;
  importance: 'low' | 'normal' | 'high';
}

export interface CalendarEvent {
  id: string;
  subject: string;
  start: string;
  end: string;
  location: string;
  organizer: Person;
  attendees: Person[];
  isOnlineMeeting: boolean;
  showAs: 'busy' | 'tentative' | 'free' | 'oof';
  bodyPreview: string;
}

export interface DriveItem {
  id: string;
  driveId: string;
  siteId: string | null;
  name: string;
  mimeType: string;
  content: Buffer;
  lastModifiedDateTime: string;
  webUrl: string;
}

export interface ListItem {
  id: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  fields: Record<string, string | number | boolean | null>;
}

export interface SharePointList {
  id: string;
  name: string;
  displayName: string;
  columns: string[];
  items: ListItem[];
}

export interface Site {
  id: string;
  name: string;
  displayName: string;
  description: string;
  webUrl: string;
  lists: SharePointList[];
  files: DriveItem[];
}

export interface WorkItem {
  id: number;
  rev: number;
  org: string;
  fields: Record<string, unknown>;
}

export interface Pipeline {
  id: number;
  name: string;
  folder: string;
  project: string;
}

export interface PipelineRun {
  id: number;
  pipelineId: number;
  project: string;
  name: string;
  createdDate: number;
  /** When a run started now finishes, and how. */
  finishesAt: number;
  result: 'succeeded' | 'failed';
  branch: string;
}

export interface DevOpsOrg {
  name: string;
  projects: { id: string; name: string; description: string }[];
  workItems: Map<number, WorkItem>;
  pipelines: Pipeline[];
  runs: PipelineRun[];
  nextWorkItemId: number;
}

/** Stable GUID-shaped ids from names, so links and ids do not change between runs. */
export function stableId(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const HOUR = 3_600_000;

export class SampleTenant {
  readonly directory: SampleDirectory;
  readonly domain: string;
  private readonly now: () => number;
  private readonly mailboxes = new Map<string, Message[]>();
  private readonly calendars = new Map<string, CalendarEvent[]>();
  private readonly drives = new Map<string, DriveItem[]>();
  private readonly orgs = new Map<string, DevOpsOrg>();
  private siteList: Site[] | undefined;

  constructor(directory: SampleDirectory, opts: { now?: () => number; domain?: string } = {}) {
    this.directory = directory;
    this.now = opts.now ?? Date.now;
    this.domain = opts.domain ?? 'contoso.example';
  }

  private person(u: SampleUser): Person {
    return { name: u.displayName, address: u.mail };
  }

  /** People to write to and meet with: the directory's other users, then sample colleagues. */
  private colleagues(u: SampleUser): Person[] {
    const others = this.directory.list().filter((x) => x.oid !== u.oid).map((x) => this.person(x));
    return [...others, ...COLLEAGUES.map((c) => ({ name: c.name, address: `${c.alias}@${this.domain}` }))];
  }

  mailbox(oid: string): Message[] {
    let box = this.mailboxes.get(oid);
    if (box) return box;
    const u = this.userOf(oid);
    const people = this.colleagues(u);
    const now = this.now();
    box = SAMPLE_MAIL.map((m, i) => ({
      id: `AAMk${stableId(oid, 'mail', String(i)).replace(/-/g, '')}`,
      folder: 'inbox' as const,
      subject: m.subject,
      from: people[m.from % people.length]!,
      to: [this.person(u)],
      cc: m.cc ? [people[(m.from + 1) % people.length]!] : [],
      receivedDateTime: iso(now - m.hoursAgo * HOUR),
      body: m.body.replace(/\{name\}/g, u.givenName ?? u.displayName),
      isRead: m.hoursAgo > 20,
      importance: m.importance ?? 'normal',
    }));
    this.mailboxes.set(oid, box);
    return box;
  }

  /** Delivers a message: to the sender's sent items and to each recipient in the directory. */
  send(fromOid: string, m: { subject: string; body: string; to: Person[]; cc: Person[] }, saveToSentItems: boolean): void {
    const sender = this.userOf(fromOid);
    const received = iso(this.now());
    const make = (folder: Message['folder'], owner: string): Message => ({
      id: `AAMk${stableId(owner, 'sent', received, m.subject, String(Math.random())).replace(/-/g, '')}`,
      folder, subject: m.subject, from: this.person(sender), to: m.to, cc: m.cc, receivedDateTime: received, body: m.body, isRead: folder === 'sentitems', importance: 'normal',
    });
    if (saveToSentItems) this.mailbox(fromOid).unshift(make('sentitems', fromOid));
    for (const r of [...m.to, ...m.cc]) {
      const user = this.directory.list().find((x) => x.mail.toLowerCase() === r.address.toLowerCase());
      if (user) this.mailbox(user.oid).unshift(make('inbox', user.oid));
    }
  }

  calendar(oid: string): CalendarEvent[] {
    let cal = this.calendars.get(oid);
    if (cal) return cal;
    const u = this.userOf(oid);
    const people = this.colleagues(u);
    const day = new Date(this.now());
    day.setUTCHours(0, 0, 0, 0);
    cal = SAMPLE_EVENTS.map((e, i) => {
      const start = day.getTime() + e.day * 24 * HOUR + e.hour * HOUR;
      return {
        id: `AAMkEv${stableId(oid, 'event', String(i)).replace(/-/g, '')}`,
        subject: e.subject,
        start: iso(start),
        end: iso(start + e.minutes * 60_000),
        location: e.location,
        organizer: e.organizer ? people[0]! : this.person(u),
        attendees: [this.person(u), ...people.slice(0, e.attendees)],
        isOnlineMeeting: e.online,
        showAs: e.showAs ?? 'busy',
        bodyPreview: e.preview,
      };
    });
    this.calendars.set(oid, cal);
    return cal;
  }

  drive(oid: string): DriveItem[] {
    let items = this.drives.get(oid);
    if (items) return items;
    const u = this.userOf(oid);
    const driveId = `b!${stableId(oid, 'drive').replace(/-/g, '')}`;
    const alias = u.userPrincipalName.split('@')[0]!.replace(/[^A-Za-z0-9]/g, '_');
    items = SAMPLE_FILES.map((f, i) => ({
      id: `01${stableId(oid, 'file', String(i)).replace(/-/g, '').toUpperCase().slice(0, 30)}`,
      driveId, siteId: null, name: f.name, mimeType: f.mimeType, content: f.content(),
      lastModifiedDateTime: iso(this.now() - (i + 1) * 26 * HOUR),
      webUrl: `https://contoso-my.sharepoint.example/personal/${alias}/Documents/${encodeURIComponent(f.name)}`,
    }));
    this.drives.set(oid, items);
    return items;
  }

  sites(): Site[] {
    this.siteList ??= SAMPLE_SITES.map((s) => {
      const id = `contoso.sharepoint.example,${stableId('site', s.name)},${stableId('web', s.name)}`;
      const driveId = `b!${stableId('site-drive', s.name).replace(/-/g, '')}`;
      return {
        id, name: s.name, displayName: s.displayName, description: s.description, webUrl: `https://contoso.sharepoint.example/sites/${s.name}`,
        lists: s.lists.map((l) => ({
          id: stableId('list', s.name, l.name), name: l.name, displayName: l.displayName, columns: l.columns,
          items: l.items.map((fields, i) => ({ id: String(i + 1), createdDateTime: iso(this.now() - (30 - i) * 24 * HOUR), lastModifiedDateTime: iso(this.now() - (10 - i) * 24 * HOUR), fields: { ...fields } })),
        })),
        files: s.files.map((f, i) => ({
          id: `01${stableId('site-file', s.name, String(i)).replace(/-/g, '').toUpperCase().slice(0, 30)}`, driveId, siteId: id, name: f.name, mimeType: f.mimeType, content: f.content(),
          lastModifiedDateTime: iso(this.now() - (i + 2) * 50 * HOUR), webUrl: `https://contoso.sharepoint.example/sites/${s.name}/Shared%20Documents/${encodeURIComponent(f.name)}`,
        })),
      };
    });
    return this.siteList;
  }

  /** An Azure DevOps organisation the sample knows (the users' organisations). */
  org(name: string): DevOpsOrg | undefined {
    const key = name.toLowerCase();
    const known = this.directory.list().some((u) => u.devopsOrgs.some((o) => o.toLowerCase() === key));
    if (!known) return undefined;
    let org = this.orgs.get(key);
    if (org) return org;
    const members = this.directory.list().filter((u) => u.devopsOrgs.some((o) => o.toLowerCase() === key));
    const projects = SAMPLE_WORK.projects.map((p) => ({ id: stableId('project', key, p.name), name: p.name, description: p.description }));
    org = { name, projects, workItems: new Map(), pipelines: [], runs: [], nextWorkItemId: 1 };
    const now = this.now();
    for (const [i, w] of SAMPLE_WORK.items.entries()) {
      const assignee = members[w.assignee % members.length];
      const id = org.nextWorkItemId++;
      org.workItems.set(id, {
        id, rev: 3, org: name,
        fields: {
          'System.TeamProject': projects[w.project]!.name,
          'System.WorkItemType': w.type,
          'System.Title': w.title,
          'System.State': w.state,
          'System.AssignedTo': assignee && w.assignee >= 0 ? { displayName: assignee.displayName, uniqueName: assignee.userPrincipalName, id: assignee.devopsProfileId } : null,
          'System.Description': w.description,
          'Microsoft.VSTS.Common.Priority': w.priority,
          'System.CreatedDate': iso(now - (40 - i) * 24 * HOUR),
          'System.ChangedDate': iso(now - (i + 1) * 5 * HOUR),
          'System.AreaPath': projects[w.project]!.name,
          'System.IterationPath': `${projects[w.project]!.name}\\Sprint 14`,
        },
      });
    }
    org.pipelines = SAMPLE_PIPELINES.map((p, i) => ({ id: i + 1, name: p.name, folder: p.folder, project: projects[p.project]!.name }));
    org.runs = org.pipelines.map((p, i) => ({
      id: 100 + i, pipelineId: p.id, project: p.project, name: `20240${i + 1}.1`, createdDate: now - (i + 2) * 3 * HOUR, finishesAt: now - (i + 2) * 3 * HOUR + 9 * 60_000,
      result: i === 1 ? 'failed' : 'succeeded', branch: 'refs/heads/main',
    }));
    this.orgs.set(key, org);
    return org;
  }

  clock(): number {
    return this.now();
  }

  private userOf(oid: string): SampleUser {
    const u = this.directory.get(oid);
    if (!u) throw new RangeError(`no sample user ${oid}`);
    return u;
  }
}
