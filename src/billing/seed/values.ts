// Realistic value sets for seeded billing data: company and person names, countries with
// their currency, tax rate and addresses, and Zuora's own enumerations.

export const COMPANY_STEMS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent', 'Tyrell',
  'Cyberdyne', 'Wonka', 'Gringotts', 'Oscorp', 'Aperture', 'Black Mesa', 'Monarch', 'Pied Piper', 'Dunder',
  'Sterling', 'Bluth', 'Prestige', 'Nakatomi', 'Virtucon', 'Gekko', 'Massive', 'Northwind', 'Contoso',
  'Fabrikam', 'Tailspin', 'Litware', 'Adatum', 'Proseware', 'Lucerne', 'Wingtip', 'Alpine', 'Blue Yonder',
  'Coho', 'Fourth Coffee', 'Humongous', 'Margie', 'Trey', 'Woodgrove', 'Graphic', 'Southridge', 'Lamna',
  'Bellows', 'Quantum', 'Helix', 'Orbital', 'Summit', 'Keystone', 'Evergreen', 'Silverline', 'Redwood',
] as const

export const COMPANY_SUFFIXES = [
  'Inc.', 'Corp', 'Labs', 'Systems', 'Group', 'Holdings', 'Technologies', 'Analytics', 'Logistics',
  'Media', 'Partners', 'Software', 'Networks', 'Health', 'Energy', 'Retail', 'Foods', 'Robotics',
] as const

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Oliver', 'Sophia', 'Elijah', 'Isabella', 'James', 'Mia', 'Lucas',
  'Amelia', 'Mateo', 'Harper', 'Hiroshi', 'Yuki', 'Wei', 'Mei', 'Priya', 'Arjun', 'Fatima', 'Omar', 'Lena',
  'Jonas', 'Chloe', 'Hugo', 'Sofia', 'Diego', 'Ingrid', 'Lars', 'Aisha', 'Kwame', 'Zoe', 'Leo', 'Nora',
] as const

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Miller', 'Davis', 'Martinez', 'Lopez', 'Wilson',
  'Anderson', 'Taylor', 'Thomas', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White', 'Harris',
  'Tanaka', 'Suzuki', 'Wang', 'Li', 'Zhang', 'Patel', 'Sharma', 'Khan', 'Müller', 'Schmidt', 'Dubois',
  'Rossi', 'Novak', 'Andersson', 'Nielsen', 'Okafor', 'Mensah', 'Silva', 'Santos', 'Kowalski',
] as const

export interface Country {
  name: string
  code: string
  currency: string
  /** Units of this currency per US dollar (list prices are in dollars). */
  fx: number
  /** Sales tax or VAT in basis points. */
  taxBasisPoints: number
  /** Whether amounts are whole units (JPY). */
  wholeUnits?: boolean
  vatPrefix?: string
  places: readonly { city: string; state: string; postalCode: string }[]
  phonePrefix: string
  /** Share of accounts from this country. */
  weight: number
}

export const COUNTRIES: readonly Country[] = [
  {
    name: 'United States', code: 'US', currency: 'USD', fx: 1, taxBasisPoints: 725, phonePrefix: '+1', weight: 40,
    places: [
      { city: 'San Francisco', state: 'California', postalCode: '94105' },
      { city: 'New York', state: 'New York', postalCode: '10001' },
      { city: 'Austin', state: 'Texas', postalCode: '78701' },
      { city: 'Seattle', state: 'Washington', postalCode: '98101' },
      { city: 'Chicago', state: 'Illinois', postalCode: '60601' },
      { city: 'Boston', state: 'Massachusetts', postalCode: '02110' },
    ],
  },
  {
    name: 'Canada', code: 'CA', currency: 'CAD', fx: 1.36, taxBasisPoints: 1300, phonePrefix: '+1', weight: 6,
    places: [
      { city: 'Toronto', state: 'Ontario', postalCode: 'M5H 2N2' },
      { city: 'Vancouver', state: 'British Columbia', postalCode: 'V6B 1A1' },
    ],
  },
  {
    name: 'United Kingdom', code: 'GB', currency: 'GBP', fx: 0.79, taxBasisPoints: 2000, vatPrefix: 'GB', phonePrefix: '+44', weight: 12,
    places: [
      { city: 'London', state: 'England', postalCode: 'EC1A 1BB' },
      { city: 'Manchester', state: 'England', postalCode: 'M1 1AE' },
      { city: 'Edinburgh', state: 'Scotland', postalCode: 'EH1 1YZ' },
    ],
  },
  {
    name: 'Germany', code: 'DE', currency: 'EUR', fx: 0.92, taxBasisPoints: 1900, vatPrefix: 'DE', phonePrefix: '+49', weight: 10,
    places: [
      { city: 'Berlin', state: 'Berlin', postalCode: '10115' },
      { city: 'Munich', state: 'Bavaria', postalCode: '80331' },
      { city: 'Hamburg', state: 'Hamburg', postalCode: '20095' },
    ],
  },
  {
    name: 'France', code: 'FR', currency: 'EUR', fx: 0.92, taxBasisPoints: 2000, vatPrefix: 'FR', phonePrefix: '+33', weight: 7,
    places: [
      { city: 'Paris', state: 'Île-de-France', postalCode: '75001' },
      { city: 'Lyon', state: 'Auvergne-Rhône-Alpes', postalCode: '69001' },
    ],
  },
  {
    name: 'Netherlands', code: 'NL', currency: 'EUR', fx: 0.92, taxBasisPoints: 2100, vatPrefix: 'NL', phonePrefix: '+31', weight: 4,
    places: [{ city: 'Amsterdam', state: 'North Holland', postalCode: '1012 JS' }],
  },
  {
    name: 'Japan', code: 'JP', currency: 'JPY', fx: 150, taxBasisPoints: 1000, wholeUnits: true, phonePrefix: '+81', weight: 7,
    places: [
      { city: 'Tokyo', state: 'Tokyo', postalCode: '100-0001' },
      { city: 'Osaka', state: 'Osaka', postalCode: '530-0001' },
    ],
  },
  {
    name: 'Australia', code: 'AU', currency: 'AUD', fx: 1.52, taxBasisPoints: 1000, phonePrefix: '+61', weight: 6,
    places: [
      { city: 'Sydney', state: 'New South Wales', postalCode: '2000' },
      { city: 'Melbourne', state: 'Victoria', postalCode: '3000' },
    ],
  },
  {
    name: 'China', code: 'CN', currency: 'CNY', fx: 7.2, taxBasisPoints: 600, phonePrefix: '+86', weight: 5,
    places: [
      { city: 'Shanghai', state: 'Shanghai', postalCode: '200000' },
      { city: 'Shenzhen', state: 'Guangdong', postalCode: '518000' },
    ],
  },
  {
    name: 'Singapore', code: 'SG', currency: 'SGD', fx: 1.34, taxBasisPoints: 900, phonePrefix: '+65', weight: 3,
    places: [{ city: 'Singapore', state: 'Singapore', postalCode: '018956' }],
  },
]

export const STREETS = [
  'Market Street', 'Main Street', 'High Street', 'Oak Avenue', 'Harbour Road', 'King Street', 'Station Road',
  'Park Lane', 'Mission Street', 'Elm Street', 'Queen Street', 'Bahnhofstraße', 'Rue de Rivoli', 'Chuo-dori',
] as const

export const PAYMENT_TERMS = [
  ['Due Upon Receipt', 3],
  ['Net 15', 2],
  ['Net 30', 10],
  ['Net 45', 2],
  ['Net 60', 2],
] as const

/** Days until an invoice is due under each payment term. */
export const TERM_DAYS: Record<string, number> = { 'Due Upon Receipt': 0, 'Net 15': 15, 'Net 30': 30, 'Net 45': 45, 'Net 60': 60 }

export const GATEWAYS = ['Stripe Gateway', 'Adyen Gateway', 'Braintree Gateway', 'Authorize.net Gateway'] as const

export const CREDIT_MEMO_REASONS = ['Correcting invoice error', 'Service outage credit', 'Goodwill', 'Price adjustment'] as const
export const DEBIT_MEMO_REASONS = ['Correcting invoice error', 'Late fee', 'Underbilled usage'] as const
export const ADJUSTMENT_REASONS = ['Standard Adjustment', 'Write-off', 'Service outage credit'] as const

export const BATCHES = ['Batch1', 'Batch2', 'Batch3', 'Batch4', 'Batch5'] as const
