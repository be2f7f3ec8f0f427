import { QuantityError, parseBytes, parseCpuCores } from '../../src/api/quantity.js';

describe('parseCpuCores', () => {
  it.each<[string | number, number]>([
    ['500m', 0.5],
    ['100m', 0.1],
    ['250m', 0.25],
    [2, 2],
    [0.25, 0.25],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['+1', 1],
    ['-0', 0],
    ['0', 0],
    ['250000u', 0.25],
    ['1e3', 1000],
    ['15e-1', 1.5],
    ['2k', 2000],
  ])('%p is %p cores', (q, cores) => {
    expect(parseCpuCores(q)).toBe(cores);
  });
});

describe('parseBytes', () => {
  it.each<[string | number, number]>([
    ['1Gi', 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ki', 1024],
    ['1Ti', 2 ** 40],
    ['1G', 1e9],
    ['1M', 1e6],
    ['1k', 1000],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1E', 1e18],
    [1024, 1024],
    ['129M', 129e6],
  ])('%p is %p bytes', (q, bytes) => {
    expect(parseBytes(q)).toBe(bytes);
  });
});

describe('garbage quantities', () => {
  it.each<unknown>(['', 'abc', '1 Gi', ' 1Gi', '1gi', '1GB', '1.2.3', '0x10', 'Gi', '1Gi2', '-1', '-500m', -1, NaN, Infinity, null, true])(
    '%p throws QuantityError',
    (q) => {
      expect(() => parseCpuCores(q as string)).toThrow(QuantityError);
      expect(() => parseBytes(q as string)).toThrow(QuantityError);
    },
  );

  it('names the bad value and shows valid forms', () => {
    expect(() => parseBytes('1GB')).toThrow(/"1GB" is not a Kubernetes quantity.*"1Gi"/);
    expect(() => parseCpuCores('-1')).toThrow(/negative/);
  });

  it('QuantityError is an Error with its own name', () => {
    const e = new QuantityError('x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('QuantityError');
  });
});
