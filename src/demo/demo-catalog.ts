/** What the demo company sells, and what its customers call, write and complain about. */

export interface Product {
  id: string;
  name: string;
  category: string;
  price: number;
}

export const PRODUCTS: readonly Product[] = [
  { id: 'P-1001', name: 'Linen duvet cover', category: 'bedroom', price: 89.9 },
  { id: 'P-1002', name: 'Feather pillow', category: 'bedroom', price: 39.9 },
  { id: 'P-1003', name: 'Wool blanket', category: 'bedroom', price: 119 },
  { id: 'P-1004', name: 'Bedside lamp', category: 'lighting', price: 64.5 },
  { id: 'P-1005', name: 'Floor lamp Arc', category: 'lighting', price: 249 },
  { id: 'P-1006', name: 'LED string lights', category: 'lighting', price: 19.9 },
  { id: 'P-1007', name: 'Espresso maker', category: 'kitchen', price: 54.9 },
  { id: 'P-1008', name: 'Cast iron pan', category: 'kitchen', price: 79 },
  { id: 'P-1009', name: 'Chef\'s knife', category: 'kitchen', price: 99 },
  { id: 'P-1010', name: 'Stoneware plates (set of 4)', category: 'kitchen', price: 44.9 },
  { id: 'P-1011', name: 'Glass carafe', category: 'kitchen', price: 24.9 },
  { id: 'P-1012', name: 'Oak dining chair', category: 'furniture', price: 189 },
  { id: 'P-1013', name: 'Side table Ring', category: 'furniture', price: 129 },
  { id: 'P-1014', name: 'Bookshelf Stack', category: 'furniture', price: 349 },
  { id: 'P-1015', name: 'Velvet cushion', category: 'living', price: 29.9 },
  { id: 'P-1016', name: 'Jute rug 160x230', category: 'living', price: 199 },
  { id: 'P-1017', name: 'Ceramic vase', category: 'living', price: 34.9 },
  { id: 'P-1018', name: 'Scented candle', category: 'living', price: 14.9 },
  { id: 'P-1019', name: 'Bath towel set', category: 'bathroom', price: 49.9 },
  { id: 'P-1020', name: 'Bamboo bath mat', category: 'bathroom', price: 27.5 },
  { id: 'P-1021', name: 'Plant pot Terra', category: 'garden', price: 22.9 },
  { id: 'P-1022', name: 'Balcony chair', category: 'garden', price: 89 },
  { id: 'P-1023', name: 'Advent wreath', category: 'seasonal', price: 39.9 },
  { id: 'P-1024', name: 'Gift card 50 EUR', category: 'gift cards', price: 50 },
];

export const CATEGORIES: readonly string[] = [...new Set(PRODUCTS.map((product) => product.category))];

export const CALL_REASONS = ['delivery status', 'product question', 'return', 'invoice question', 'change address', 'loyalty points', 'store opening hours'] as const;
export const CHAT_TOPICS = ['delivery status', 'product question', 'return', 'voucher not working', 'size and fit'] as const;
export const COMPLAINT_REASONS = ['damaged on arrival', 'late delivery', 'wrong item', 'refund missing', 'rude staff', 'charged twice'] as const;
export const COMPLAINT_RESOLUTIONS = ['replacement sent', 'refund issued', 'voucher 20 EUR', 'apology letter', 'repair arranged'] as const;

export const WEB_USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0',
] as const;

export const MOBILE_USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36',
] as const;

export const APP_DEVICES = [
  { os: 'iOS', model: 'iPhone15,2' },
  { os: 'iOS', model: 'iPad13,16' },
  { os: 'Android', model: 'Pixel 8' },
  { os: 'Android', model: 'SM-S918B' },
] as const;
