/** Workspaces as directories (`<root>/<agentId>`), for the local stack and tests. */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WorkspaceStore } from '../../economy/ports.js';
import { assertFiles } from '../../economy/society.js';

export class LocalWorkspaces implements WorkspaceStore {
  constructor(
    private readonly root: string,
    /** What a workspace starts as when its parent has none yet (the genesis agent). */
    private readonly seed?: string,
  ) {}

  dirOf(agentId: string): string {
    return join(this.root, agentId);
  }

  inherit(parentId: string, childId: string, files: Record<string, string>): Promise<void> {
    assertFiles(files);
    const from = existsSync(this.dirOf(parentId)) ? this.dirOf(parentId) : this.seed;
    const to = this.dirOf(childId);
    mkdirSync(to, { recursive: true });
    if (from) cpSync(from, to, { recursive: true });
    rmSync(join(to, 'state.json'), { force: true });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(to, path)), { recursive: true });
      writeFileSync(join(to, path), content);
    }
    return Promise.resolve();
  }
}
