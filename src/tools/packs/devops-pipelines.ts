/** The `devops-pipelines` pack: a project's pipelines, queue a run, and run status. */
import { z } from 'zod';
import { defineTool } from '../define.ts';
import { DESTRUCTIVE, READ_ONLY } from '../helpers.ts';

const organization = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,49}$/).describe('Azure DevOps organisation');
const project = z.string().min(1).max(64);

interface RunJson {
  id: number;
  name?: string;
  state?: string;
  result?: string;
  createdDate?: string;
  finishedDate?: string;
  pipeline?: { id?: number; name?: string };
  resources?: { repositories?: { self?: { refName?: string } } };
  _links?: { web?: { href?: string } };
}

const run = z.object({ id: z.number(), name: z.string(), pipeline: z.string(), state: z.string(), result: z.string().nullable(), branch: z.string().nullable(), created: z.string(), finished: z.string().nullable(), url: z.string() });
const toRun = (r: RunJson) => ({
  id: r.id, name: r.name ?? '', pipeline: r.pipeline?.name ?? '', state: r.state ?? '', result: r.result ?? null, branch: r.resources?.repositories?.self?.refName ?? null,
  created: r.createdDate ?? '', finished: r.finishedDate ?? null, url: r._links?.web?.href ?? '',
});
const projectPath = (p: string) => encodeURIComponent(p);

export const devopsListPipelines = defineTool({
  name: 'devops_list_pipelines',
  title: 'Pipelines',
  description: 'The pipelines (definitions) of an Azure DevOps project, with their ids for devops_run_pipeline and devops_pipeline_runs.',
  input: z.object({ organization, project }),
  output: z.object({ pipelines: z.array(z.object({ id: z.number(), name: z.string(), folder: z.string(), url: z.string() })) }),
  annotations: READ_ONLY,
  scopes: { devops: ['vso.build'] },
  async handler({ organization, project }, ctx) {
    const res = await ctx.devops.request<{ value?: { id: number; name?: string; folder?: string; _links?: { web?: { href?: string } } }[] }>(organization, `${projectPath(project)}/_apis/pipelines`, { query: { $top: 100 } });
    return { pipelines: (res.value ?? []).map((p) => ({ id: p.id, name: p.name ?? '', folder: p.folder ?? '\\', url: p._links?.web?.href ?? '' })) };
  },
});

export const devopsRunPipeline = defineTool({
  name: 'devops_run_pipeline',
  title: 'Run a pipeline',
  description: 'Queues a run of an Azure DevOps pipeline on a branch (default the pipeline\'s default). Runs can deploy: confirm with the user first.',
  input: z.object({ organization, project, pipelineId: z.number().int().positive(), branch: z.string().min(1).max(250).optional().describe('e.g. main or refs/heads/release/1.2') }),
  output: run,
  annotations: DESTRUCTIVE,
  scopes: { devops: ['vso.build_execute'] },
  async handler({ organization, project, pipelineId, branch }, ctx) {
    const refName = branch ? (branch.startsWith('refs/') ? branch : `refs/heads/${branch}`) : undefined;
    const body = refName ? { resources: { repositories: { self: { refName } } } } : {};
    const r = await ctx.devops.request<RunJson>(organization, `${projectPath(project)}/_apis/pipelines/${pipelineId}/runs`, { method: 'POST', body });
    ctx.logger.info('pipeline.queued', { organization, pipelineId, runId: r.id });
    return toRun(r);
  },
});

export const devopsPipelineRuns = defineTool({
  name: 'devops_pipeline_runs',
  title: 'Pipeline run status',
  description: "The status and result of a pipeline's run (runId), or of its latest runs when runId is left out.",
  input: z.object({ organization, project, pipelineId: z.number().int().positive(), runId: z.number().int().positive().optional(), limit: z.number().int().min(1).max(20).default(5) }),
  output: z.object({ runs: z.array(run) }),
  annotations: READ_ONLY,
  scopes: { devops: ['vso.build'] },
  async handler({ organization, project, pipelineId, runId, limit }, ctx) {
    const base = `${projectPath(project)}/_apis/pipelines/${pipelineId}/runs`;
    if (runId) return { runs: [toRun(await ctx.devops.request<RunJson>(organization, `${base}/${runId}`))] };
    const res = await ctx.devops.request<{ value?: RunJson[] }>(organization, base);
    return { runs: (res.value ?? []).slice(0, limit).map(toRun) };
  },
});

export const devopsPipelinesPack = [devopsListPipelines, devopsRunPipeline, devopsPipelineRuns];
