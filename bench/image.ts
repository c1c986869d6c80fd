/** The image's NODE_OPTIONS (the Dockerfile's ENV line): the measured servers run as the image does. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const IMAGE_NODE_OPTIONS = /^ENV NODE_OPTIONS="?([^"\n]*)"?$/m.exec(readFileSync(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8'))?.[1] ?? '';
