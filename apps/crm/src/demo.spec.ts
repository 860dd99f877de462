import { parseArguments } from './demo';

describe('npm start arguments', () => {
  it('accepts --demo and nothing else', () => {
    expect(parseArguments([])).toEqual({ demo: false });
    expect(parseArguments(['--demo'])).toEqual({ demo: true });
    expect(parseArguments(['--dmeo'])).toEqual({ error: 'unknown argument "--dmeo"; usage: npm start [-- --demo]' });
  });
});
