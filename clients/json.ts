// The JSON scalar (InvoiceChange.before / after): any JSON value, typed as such rather than `any`.
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
