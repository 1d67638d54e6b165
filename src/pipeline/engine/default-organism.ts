/**
 * The organism the shipped configuration records when no program file is configured: a small loop that
 * keeps its registers and data stack busy. Written for this product (EvoASM), addressed as `builtin:counter`.
 */
export const BUILTIN_PROGRAMS: Readonly<Record<string, string>> = {
  'builtin:counter': [
    '# builtin:counter - counts in a register and cycles values through the data stack.',
    'START:',
    '  ADDI %DR0 DATA:1',
    '  PUSH %DR0',
    '  POP %DR1',
    '  JMPI START',
    '',
  ].join('\n'),
};
