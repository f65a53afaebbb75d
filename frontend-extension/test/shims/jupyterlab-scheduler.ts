/*
 * Stands in for @jupyterlab/scheduler in jest only: its 2.11.0 npm package has no
 * compiled lib/. A token with the same name, so the plugin test can check what the
 * plugin provides; in JupyterLab the real token comes from the shared module.
 */
import { Token } from '@lumino/coreutils';

export namespace Scheduler {
  export const IAdvancedOptions = new Token<unknown>(
    '@jupyterlab/scheduler:IAdvancedOptions'
  );
}
