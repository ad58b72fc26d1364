/** Workspaces as directories (`<root>/<agentId>`), for the local stack and tests. */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WorkspaceStore } from '../../economy/ports.js';
import { assertFiles } from '../../economy/society.js';

export class LocalWorkspaces implements WorkspaceStore {
  constructor(
    private readonly root: string,
    /** The genesis agent's code: a first agent's workspace, and what a parent without one passes on. */
    private readonly genesis?: string,
  ) {}

  dirOf(agentId: string): string {
    return join(this.root, agentId);
  }

  inherit(parentId: string, childId: string, files: Record<string, string>): Promise<void> {
    assertFiles(files);
    const from = existsSync(this.dirOf(parentId)) ? this.dirOf(parentId) : this.genesis;
    const to = this.dirOf(childId);
    mkdirSync(to, { recursive: true });
    // Symbolic links are copied as links: never followed out of the parent's workspace.
    if (from) cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    rmSync(join(to, 'state.json'), { force: true });
    this.write(to, files);
    return Promise.resolve();
  }

  seed(agentId: string, files: Record<string, string>): Promise<void> {
    assertFiles(files);
    const to = this.dirOf(agentId);
    mkdirSync(to, { recursive: true });
    if (this.genesis) cpSync(this.genesis, to, { recursive: true });
    this.write(to, files);
    return Promise.resolve();
  }

  remove(agentId: string): Promise<void> {
    rmSync(this.dirOf(agentId), { recursive: true, force: true });
    return Promise.resolve();
  }

  private write(dir: string, files: Record<string, string>): void {
    for (const [path, content] of Object.entries(files)) {
      const target = join(dir, path);
      mkdirSync(dirname(target), { recursive: true });
      rmSync(target, { force: true }); // a link in its place is replaced, never written through
      writeFileSync(target, content);
    }
  }
}
