/** The package version (read once, from the package's own package.json). */
export { VERSION } from './package-root.ts';
