/** The sample tenant's content: invented people, mail, meetings, documents, lists and work. */

export const COLLEAGUES = [
  { name: 'Diego Siciliani', alias: 'DiegoS' },
  { name: 'Isaiah Langer', alias: 'IsaiahL' },
  { name: 'Johanna Lorenz', alias: 'JohannaL' },
  { name: 'Lynne Robbins', alias: 'LynneR' },
];

export const SAMPLE_MAIL: { subject: string; body: string; from: number; hoursAgo: number; cc?: boolean; importance?: 'high' | 'normal' }[] = [
  { subject: 'Project Falcon: launch checklist for Friday', from: 0, hoursAgo: 1, importance: 'high', cc: true, body: 'Hi {name},\n\nHere is the launch checklist for Friday. Please confirm the retail displays are ready and that the pricing sheet is final by Thursday noon.\n\n1. Displays installed in the three pilot stores\n2. Pricing sheet signed off\n3. Training session booked\n\nThanks!' },
  { subject: 'Q3 marketing budget review', from: 1, hoursAgo: 3, body: 'Hi {name},\n\nThe Q3 budget review moved to Wednesday 10:00. I attached the spreadsheet to the Marketing site (Budget Q3.xlsx). Could you add the retail line items before then?' },
  { subject: 'Re: Store visit notes', from: 2, hoursAgo: 6, body: 'Thanks {name}, the notes from the Seattle store visit are great. Two follow-ups: shelf labels in aisle 4 and the new returns desk signage.' },
  { subject: 'Contoso all-hands next Tuesday', from: 3, hoursAgo: 20, body: 'Everyone,\n\nThe all-hands is next Tuesday at 16:00 in the Atrium and online. Agenda: results, Project Falcon, Q&A.' },
  { subject: 'Travel approval: Redmond offsite', from: 4, hoursAgo: 28, body: 'Hi {name},\n\nYour travel request for the Redmond offsite was approved. Booking reference: CX-20931.' },
  { subject: 'Customer feedback summary (week 32)', from: 0, hoursAgo: 45, body: 'Top themes this week: faster checkout, more sizes in stock, better weekend staffing. Full summary in the Retail Operations site.' },
  { subject: 'Reminder: expense reports due', from: 5, hoursAgo: 70, body: 'Please submit June expense reports by the end of the week.' },
  { subject: 'Falcon pilot: store manager interviews', from: 1, hoursAgo: 96, body: 'Hi {name},\n\nCan you pick three store managers for pilot interviews? We need them by the 15th.' },
];

export const SAMPLE_EVENTS: { subject: string; day: number; hour: number; minutes: number; location: string; attendees: number; online: boolean; organizer?: boolean; showAs?: 'busy' | 'tentative' | 'free'; preview: string }[] = [
  { subject: 'Daily retail stand-up', day: 0, hour: 8, minutes: 15, location: 'Microsoft Teams', attendees: 3, online: true, organizer: true, preview: 'Open issues from the stores, blockers.' },
  { subject: 'Project Falcon sync', day: 0, hour: 10, minutes: 60, location: 'Conf Room Baker', attendees: 2, online: false, preview: 'Launch checklist, display status, pricing.' },
  { subject: 'Lunch with Diego', day: 0, hour: 12, minutes: 60, location: 'Cafe 16', attendees: 1, online: false, showAs: 'tentative', preview: '' },
  { subject: 'Q3 budget review', day: 1, hour: 10, minutes: 90, location: 'Microsoft Teams', attendees: 3, online: true, organizer: true, preview: 'Retail line items, marketing spend.' },
  { subject: 'Store visit: Bellevue', day: 2, hour: 13, minutes: 120, location: 'Bellevue Square', attendees: 1, online: false, preview: 'Walk the floor with the store manager.' },
  { subject: 'Falcon launch', day: 4, hour: 9, minutes: 240, location: 'Pilot stores', attendees: 4, online: false, organizer: true, preview: 'Launch day in the three pilot stores.' },
];

const text = (s: string) => () => Buffer.from(s, 'utf8');

export const SAMPLE_FILES: { name: string; mimeType: string; content: () => Buffer }[] = [
  { name: 'Falcon launch plan.md', mimeType: 'text/markdown', content: text('# Project Falcon: launch plan\n\n## Goal\nLaunch the new retail displays in three pilot stores (Seattle, Bellevue, Redmond).\n\n## Timeline\n- Week 1: displays installed\n- Week 2: staff training\n- Week 3: launch and customer feedback\n\n## Owners\n- Displays: Retail operations\n- Pricing: Finance\n- Training: Store managers\n') },
  { name: 'Store visit notes.txt', mimeType: 'text/plain', content: text('Seattle store visit\n- Shelf labels in aisle 4 are outdated\n- Returns desk needs new signage\n- Weekend staffing is short by two people\n') },
  { name: 'Pricing sheet.csv', mimeType: 'text/csv', content: text('sku,name,price\nFAL-100,Falcon display small,129.00\nFAL-200,Falcon display large,249.00\nFAL-300,Falcon shelf kit,59.00\n') },
  { name: 'Brand guidelines.pdf', mimeType: 'application/pdf', content: () => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2048, 0x20)]) },
  { name: 'Inventory export.csv', mimeType: 'text/csv', content: () => Buffer.from('sku,store,count\n' + Array.from({ length: 20_000 }, (_, i) => `SKU-${i},Seattle,${i % 97}`).join('\n')) },
];

export const SAMPLE_SITES: {
  name: string;
  displayName: string;
  description: string;
  lists: { name: string; displayName: string; columns: string[]; items: Record<string, string | number | boolean | null>[] }[];
  files: { name: string; mimeType: string; content: () => Buffer }[];
}[] = [
  {
    name: 'Marketing', displayName: 'Contoso Marketing', description: 'Campaigns, budgets and brand assets.',
    lists: [
      { name: 'Campaigns', displayName: 'Campaigns', columns: ['Title', 'Status', 'Owner', 'Budget'], items: [
        { Title: 'Falcon launch', Status: 'In progress', Owner: 'Megan Bowen', Budget: 120000 },
        { Title: 'Back to school', Status: 'Planned', Owner: 'Alex Wilber', Budget: 80000 },
        { Title: 'Holiday 2024', Status: 'Planned', Owner: 'Megan Bowen', Budget: 250000 },
      ] },
    ],
    files: [{ name: 'Budget Q3 notes.txt', mimeType: 'text/plain', content: text('Q3 budget: retail displays 120k, online ads 60k, events 40k. Open: store signage.') }],
  },
  {
    name: 'RetailOps', displayName: 'Retail Operations', description: 'Store operations, visits and customer feedback.',
    lists: [
      { name: 'Risks', displayName: 'Falcon risks', columns: ['Title', 'Impact', 'Mitigation', 'Open'], items: [
        { Title: 'Displays arrive late', Impact: 'High', Mitigation: 'Second supplier on standby', Open: true },
        { Title: 'Staff not trained in time', Impact: 'Medium', Mitigation: 'Recorded training session', Open: true },
        { Title: 'Pricing not approved', Impact: 'High', Mitigation: 'Finance review booked', Open: false },
      ] },
      { name: 'StoreVisits', displayName: 'Store visits', columns: ['Title', 'Store', 'Date', 'Notes'], items: [
        { Title: 'Seattle walk-through', Store: 'Seattle', Date: '2024-06-03', Notes: 'Aisle 4 labels outdated' },
        { Title: 'Bellevue opening check', Store: 'Bellevue', Date: '2024-06-10', Notes: 'All good' },
      ] },
    ],
    files: [{ name: 'Customer feedback week 32.md', mimeType: 'text/markdown', content: text('# Customer feedback, week 32\n\n1. Faster checkout (41 mentions)\n2. More sizes in stock (27)\n3. Better weekend staffing (19)\n') }],
  },
];

export const SAMPLE_WORK = {
  projects: [
    { name: 'Falcon', description: 'Retail display launch' },
    { name: 'Website', description: 'contoso.example storefront' },
  ],
  /** `assignee` indexes the organisation's members (-1: unassigned). */
  items: [
    { project: 0, type: 'User Story', title: 'Show display stock per store', state: 'Active', assignee: 0, priority: 2, description: 'Store managers see how many displays they have and on order.' },
    { project: 0, type: 'Bug', title: 'Price labels print the old currency format', state: 'New', assignee: 0, priority: 1, description: 'Labels show 129,00 instead of 129.00 in the pilot stores.' },
    { project: 0, type: 'Task', title: 'Book staff training rooms', state: 'Closed', assignee: 0, priority: 3, description: 'Three rooms, one per pilot store.' },
    { project: 0, type: 'User Story', title: 'Weekend staffing report', state: 'Active', assignee: 1, priority: 2, description: 'Weekly report of staff hours against footfall.' },
    { project: 1, type: 'Bug', title: 'Checkout button hidden on small screens', state: 'Active', assignee: 0, priority: 1, description: 'On phones narrower than 360 px the button is off screen.' },
    { project: 1, type: 'Task', title: 'Update the returns policy page', state: 'New', assignee: -1, priority: 3, description: 'New 60-day policy from July.' },
  ],
};

export const SAMPLE_PIPELINES = [
  { name: 'falcon-ci', folder: '\\', project: 0 },
  { name: 'falcon-release', folder: '\\release', project: 0 },
  { name: 'website-ci', folder: '\\', project: 1 },
];
