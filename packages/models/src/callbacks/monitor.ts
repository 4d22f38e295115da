/** 'min' for losses and errors, 'max' for accuracy-like values, as Keras' 'auto' mode decides. */
export type Mode = 'auto' | 'min' | 'max';

export function resolveMode(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|auc|precision|recall/.test(monitor) ? 'max' : 'min';
}
