/** The tool packs mcp-obo ships, each built on the public tool API only, and enabled by name. */
import type { Tool } from '../define.ts';
import { PACK_INFO, type PackName } from './names.ts';
import { profilePack } from './profile.ts';
import { mailPack } from './mail.ts';
import { calendarPack } from './calendar.ts';
import { filesPack } from './files.ts';
import { sharepointPack } from './sharepoint.ts';
import { devopsWorkPack } from './devops-work.ts';
import { devopsPipelinesPack } from './devops-pipelines.ts';

export { DEFAULT_PACKS, PACK_NAMES, PACK_INFO, isPackName, type PackName } from './names.ts';

const TOOLS: Record<PackName, readonly Tool[]> = {
  profile: profilePack,
  mail: mailPack,
  calendar: calendarPack,
  files: filesPack,
  sharepoint: sharepointPack,
  'devops-work': devopsWorkPack,
  'devops-pipelines': devopsPipelinesPack,
};

export interface Pack {
  name: PackName;
  description: string;
  tools: readonly Tool[];
}

export function packNamed(name: PackName): Pack {
  return { name, description: PACK_INFO[name], tools: TOOLS[name] };
}
