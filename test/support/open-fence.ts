import type { SendFence } from '../../src/core/ports/wdt.js';

/** A fence that lets every request be signed, for tests of the WDT client itself. */
export const OPEN_FENCE: SendFence = async () => ({ ok: true, stillValid: () => true });
