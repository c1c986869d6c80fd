/**
 * The packs by name, without loading them: configuration checks names at start-up, before the
 * server's code is loaded (the listener answers /health first).
 */
export const PACK_INFO = {
  profile: "who the signed-in user is: Microsoft 365 profile, Azure DevOps profile and organisations",
  mail: 'recent mail, read a message, search, send (send is marked destructive)',
  calendar: "today's and upcoming events, free/busy of people",
  files: 'search OneDrive and SharePoint files, read one as text (size-capped)',
  sharepoint: 'find sites, read list items, create and update list items',
  'devops-work': 'my work items (WIQL), get, create and update work items',
  'devops-pipelines': 'pipelines, queue a run, run status',
} as const;

export type PackName = keyof typeof PACK_INFO;
export const PACK_NAMES = Object.keys(PACK_INFO) as PackName[];

/** What a deployment offers when it names no packs: today's three tools. */
export const DEFAULT_PACKS: readonly PackName[] = ['profile'];

export function isPackName(name: string): name is PackName {
  return (PACK_NAMES as string[]).includes(name);
}
