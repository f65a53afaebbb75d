import {
  compareQuantities,
  isPositive,
  isWholeNumber,
  IQuantity,
  parseQuantity,
  toPlainString,
  toWholeNumber
} from '../src/quantity';

function q(text: string): IQuantity {
  const parsed = parseQuantity(text);
  if (parsed === null) {
    throw new Error(`not a quantity: ${text}`);
  }
  return parsed;
}

describe('parseQuantity', () => {
  it.each(['2', '500m', '4Gi', '1e3', '1E3', '0.5', '.5', '5.', '+1', '-1', '1.5k', '2Ei', '3n', '7u', ' 2 '])(
    'accepts %p',
    text => {
      expect(parseQuantity(text)).not.toBeNull();
    }
  );

  it.each(['', 'abc', '4GB', '4 Gi', '1e', 'e3', '--1', '1.2.3', '4gi', 'Gi', '1e99999999999'])(
    'rejects %p',
    text => {
      expect(parseQuantity(text)).toBeNull();
    }
  );

  it('keeps the trimmed text for messages', () => {
    expect(q('  500m ').text).toBe('500m');
  });
});

describe('exact values', () => {
  it.each([
    ['500m', '0.500'],
    ['5m', '0.005'],
    ['1k', '1000'],
    ['1.5k', '1500'],
    ['1e3', '1000'],
    ['4', '4'],
    ['0.5Ki', '512.0'],
    ['1Mi', '1048576'],
    ['16Mi', '16777216'],
    ['1.50', '1.50'],
    ['-2', '-2']
  ])('%p is %p', (text, plain) => {
    expect(toPlainString(q(text))).toBe(plain);
  });

  it('compares across suffixes exactly', () => {
    expect(compareQuantities(q('1000m'), q('1'))).toBe(0);
    expect(compareQuantities(q('1Gi'), q('1G'))).toBe(1);
    expect(compareQuantities(q('1024Mi'), q('1Gi'))).toBe(0);
    expect(compareQuantities(q('999m'), q('1'))).toBe(-1);
    expect(compareQuantities(q('0.0001'), q('1m'))).toBe(-1);
    expect(compareQuantities(q('1e-900'), q('1m'))).toBe(-1);
    expect(compareQuantities(q('1e900'), q('128Gi'))).toBe(1);
    expect(compareQuantities(q('-5'), q('1'))).toBe(-1);
    expect(compareQuantities(q('-5'), q('-1'))).toBe(-1);
    expect(compareQuantities(q('0'), q('-0'))).toBe(0);
  });

  it('tells whole numbers and positives apart', () => {
    expect(isWholeNumber(q('2'))).toBe(true);
    expect(isWholeNumber(q('2.0'))).toBe(true);
    expect(isWholeNumber(q('1k'))).toBe(true);
    expect(isWholeNumber(q('1.5'))).toBe(false);
    expect(isWholeNumber(q('500m'))).toBe(false);
    expect(isWholeNumber(q('1e-2147483647'))).toBe(false);
    expect(isPositive(q('0'))).toBe(false);
    expect(isPositive(q('-1'))).toBe(false);
    expect(isPositive(q('1n'))).toBe(true);
  });

  it('turns whole quantities into numbers', () => {
    expect(toWholeNumber(q('2'))).toBe(2);
    expect(toWholeNumber(q('2.0'))).toBe(2);
    expect(toWholeNumber(q('1e1'))).toBe(10);
    expect(toWholeNumber(q('1.5'))).toBeNull();
    expect(toWholeNumber(q('1e400'))).toBeNull();
  });
});
