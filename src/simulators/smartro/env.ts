/**
 * The standalone simulator's settings, read from its own environment variables (see main.ts).
 * Kept apart from main.ts so it can be tested without starting a server.
 */
import path from 'node:path';

export interface SimulatorEnv {
  host: string;
  port: number;
  dataFile: string;
  hangMs: number;
  /** When a paid virtual account's refund is done and notified (`2211`). */
  refundDelayMs: number;
  logLevel: string;
}

function wholeNumber(value: string | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) throw new Error(`${name} must be a whole number from 0 to ${max}; got ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * Reads the simulator's settings from the environment.
 * @throws Error naming the variable when a number is not one
 */
export function simulatorEnv(env: NodeJS.ProcessEnv): SimulatorEnv {
  const dataDir = path.resolve(env.GYEOL_SIM_DATA_DIR || env.GYEOL_DATA_DIR || 'data');
  return {
    host: env.GYEOL_HOST || '127.0.0.1',
    port: wholeNumber(env.GYEOL_SIM_PORT, 4001, 'GYEOL_SIM_PORT', 65_535),
    dataFile: path.join(dataDir, 'smartro-sim.sqlite'),
    hangMs: wholeNumber(env.GYEOL_SIM_HANG_MS, 60_000, 'GYEOL_SIM_HANG_MS', 24 * 60 * 60 * 1000),
    refundDelayMs: wholeNumber(env.GYEOL_SIM_REFUND_DELAY_MS, 5_000, 'GYEOL_SIM_REFUND_DELAY_MS', 24 * 60 * 60 * 1000),
    logLevel: env.GYEOL_LOG_LEVEL || 'info',
  };
}
