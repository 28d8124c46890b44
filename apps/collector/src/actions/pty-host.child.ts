/** The pty host as a standalone entry, for tests that fork it from source (`node --import tsx`). */
import { runPtyHost } from './pty-host';

await runPtyHost();
