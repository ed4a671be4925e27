// Public face of machinery/quantity: resource.Quantity with upstream's parsing,
// canonical String() form, exact arithmetic and int64-style accessors. Pure: no I/O.

export {
  Quantity,
  Scale,
  mustParseQuantity,
  newMilliQuantity,
  newQuantity,
  newScaledQuantity,
  parseQuantity,
  quantityFromJSON,
  sumQuantities,
  zeroQuantity,
} from './quantity.js';
export { ERR_FORMAT_WRONG, ERR_NUMERIC, ERR_SUFFIX, type QuantityFormat } from './parse.js';
export { isParseError, type ParseError } from '../validation/index.js';
