/**
 * Colour for text output (pure): ANSI colours only when asked for, so that a pipe, a file or a
 * terminal with NO_COLOR (https://no-color.org) gets plain text, as kubectl does.
 */

/** What a piece of text says: good (green), warn (yellow), bad (red), faint (dim) or strong (bold). */
export type Tone = 'good' | 'warn' | 'bad' | 'faint' | 'strong';

export type ColourMode = 'auto' | 'always' | 'never';
export const COLOUR_MODES: readonly ColourMode[] = ['auto', 'always', 'never'];

const CODES: Record<Tone, string> = { good: '32', warn: '33', bad: '31', faint: '2', strong: '1' };

/** Paints text in a tone, or leaves it as it is. */
export type Paint = (text: string, tone: Tone) => string;

export function painter(colour: boolean): Paint {
  return colour ? (text, tone) => (text ? `\x1b[${CODES[tone]}m${text}\x1b[0m` : text) : (text) => text;
}

/** Whether to colour: `auto` colours a terminal unless NO_COLOR is set (non-empty) or TERM is dumb. */
export function useColour(mode: ColourMode, isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (mode !== 'auto') return mode === 'always';
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** The tone of a state word the plugin prints (workload health, profile, pod, part). */
export function toneOf(state: string): Tone {
  if (['Ready', 'ACTIVE', 'Running', 'Succeeded', 'NotRequested'].includes(state)) return 'good';
  if (['Stalled', 'Failed', 'CREATE_FAILED', 'DELETE_FAILED'].includes(state)) return 'bad';
  return 'warn';
}
