import type { Prng } from './prng.ts';

/**
 * Names, addresses and phone numbers of the demo's customers. Every value that identifies a
 * customer (email, phone, customer number, card) is derived from the customer's number, so no
 * two customers share one by accident: the only shared identifiers are the deliberate traps.
 */

const FIRST_NAMES = [
  'Anna', 'Lena', 'Mia', 'Hannah', 'Emma', 'Sophie', 'Lea', 'Marie', 'Laura', 'Julia', 'Sarah', 'Katharina', 'Elif', 'Aylin', 'Zeynep',
  'Olga', 'Ewa', 'Chiara', 'Ines', 'Greta', 'Ida', 'Frieda', 'Paula', 'Clara', 'Nora', 'Lukas', 'Leon', 'Finn', 'Jonas', 'Paul', 'Felix',
  'Maximilian', 'Tim', 'Jan', 'David', 'Niklas', 'Tobias', 'Stefan', 'Thomas', 'Michael', 'Andreas', 'Mehmet', 'Can', 'Piotr', 'Luca',
  'Matteo', 'Karl', 'Emil', 'Theo', 'Ole', 'Anton', 'Henrik', 'Moritz', 'Sven', 'Jürgen', 'Sabine', 'Ursula', 'Petra', 'Monika', 'Heike',
];
const LAST_NAMES = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer',
  'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt',
  'Werner', 'Schmitz', 'Krause', 'Meier', 'Lehmann', 'Schmid', 'Schulze', 'Maier', 'Köhler', 'Herrmann', 'König', 'Walter', 'Mayer',
  'Huber', 'Kaiser', 'Fuchs', 'Peters', 'Lang', 'Scholz', 'Möller', 'Weiß', 'Jung', 'Hahn', 'Yilmaz', 'Kaya', 'Nowak', 'Kowalski',
  'Rossi', 'Ivanova', 'Nguyen', 'Demir', 'Vogel', 'Friedrich', 'Keller',
];
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example', 'post.example'];

/** A city with its store and how many of the customers live there. */
export interface City {
  key: string;
  name: string;
  /** The touchpoint of its store. */
  store: string;
  /** Area code without the leading 0. */
  areaCode: string;
  /** Digits of a local number. */
  localDigits: number;
  share: number;
}

export const CITIES: readonly City[] = [
  { key: 'berlin', name: 'Berlin', store: 'store berlin-mitte', areaCode: '30', localDigits: 8, share: 0.34 },
  { key: 'hamburg', name: 'Hamburg', store: 'store hamburg', areaCode: '40', localDigits: 8, share: 0.24 },
  { key: 'muenchen', name: 'München', store: 'store münchen', areaCode: '89', localDigits: 8, share: 0.24 },
  { key: 'koeln', name: 'Köln', store: 'store köln', areaCode: '221', localDigits: 7, share: 0.18 },
];

/** Mobile prefixes (without the leading 0) and how many digits follow them. */
const MOBILE_PREFIXES: ReadonlyArray<readonly [string, number]> = [
  ['151', 8], ['152', 8], ['157', 8], ['160', 7], ['162', 7], ['170', 7], ['171', 7], ['172', 7], ['175', 7], ['176', 8], ['177', 8],
  ['178', 8], ['179', 7],
];

/** A German phone number, kept as its parts so it can be written the ways people write it. */
export interface PhoneNumber {
  /** National destination code: area code or mobile prefix, without the trunk 0. */
  prefix: string;
  subscriber: string;
}

export function e164(phone: PhoneNumber): string {
  return `+49${phone.prefix}${phone.subscriber}`;
}

/** As a German writes it at home: "030 12345678". */
export function nationalFormat(phone: PhoneNumber): string {
  return `0${phone.prefix} ${phone.subscriber}`;
}

/**
 * The number written one of the ways it reaches a call centre or a web form: national with
 * spaces, slashes or brackets, international with + or 00, with the (0) people like to add.
 */
export function writePhone(phone: PhoneNumber, random: Prng): string {
  const { prefix, subscriber } = phone;
  const grouped = subscriber.length === 8 ? `${subscriber.slice(0, 3)} ${subscriber.slice(3, 6)} ${subscriber.slice(6)}` : `${subscriber.slice(0, 3)} ${subscriber.slice(3)}`;
  switch (random.int(0, 7)) {
    case 0: return `0${prefix} ${subscriber}`;
    case 1: return `+49 ${prefix} ${subscriber}`;
    case 2: return `0049 ${prefix} ${subscriber}`;
    case 3: return `0${prefix}/${subscriber}`;
    case 4: return `(0${prefix}) ${grouped}`;
    case 5: return `+49 (0)${prefix} ${subscriber}`;
    case 6: return `+49${prefix}${subscriber}`;
    default: return `0${prefix}-${grouped.replace(/ /g, '')}`;
  }
}

/** The customer's own phone: a mobile for most, a landline in their city for some. Unique per customer. */
export function personalPhone(index: number, city: City, random: Prng): PhoneNumber {
  if (random.chance(0.2)) return { prefix: city.areaCode, subscriber: uniqueDigits(index, city.localDigits, 2, 6, 7919) };
  const [prefix, digits] = random.pick(MOBILE_PREFIXES);
  return { prefix, subscriber: uniqueDigits(index, digits, 1, 10, 104_729) };
}

/** A work landline (in another range than home numbers, so it never equals one). */
export function workPhone(index: number, city: City): PhoneNumber {
  return { prefix: city.areaCode, subscriber: uniqueDigits(index, city.localDigits, 6, 10, 15_485_863) };
}

/**
 * `digits` digits whose first digit is in [firstLow, firstHigh); a different number for every
 * index below the range's size, because the multiplier (a prime) shares no factor with it.
 */
function uniqueDigits(index: number, digits: number, firstLow: number, firstHigh: number, multiplier: number): string {
  const unit = 10 ** (digits - 1);
  const size = (firstHigh - firstLow) * unit;
  return String(firstLow * unit + ((index * multiplier + 12_345) % size));
}

export interface Person {
  firstName: string;
  lastName: string;
  email: string;
  city: City;
}

export function person(index: number, random: Prng): Person {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const city = random.weighted(CITIES.map((candidate) => [candidate, candidate.share] as const));
  const email = `${ascii(firstName)}.${ascii(lastName)}${index}@${random.pick(EMAIL_DOMAINS)}`;
  return { firstName, lastName, email, city };
}

/** The address as typed into a form: now and then with capitals or a stray space, which must not matter. */
export function typeEmail(email: string, random: Prng): string {
  const roll = random.next();
  if (roll < 0.08) return email.replace(/(^|\.)([a-z])/g, (_match, dot: string, letter: string) => dot + letter.toUpperCase());
  if (roll < 0.12) return ` ${email} `;
  return email;
}

function ascii(name: string): string {
  return name.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss').replace(/[^a-z]/g, '');
}
