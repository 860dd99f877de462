/** Money travels as integer minor units with an ISO-4217 currency code, never as a float. */
export type Money = {
  amountMinor: number;
  currency: string;
};
