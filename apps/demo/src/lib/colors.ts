/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies, and dark enough on white. */
export const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#8a6d00', '#56B4E9', '#000000'] as const;
