import { buildInspectorPage } from '../../scripts/build-inspector.js';

export default async function setup(): Promise<void> {
  await buildInspectorPage();
}
