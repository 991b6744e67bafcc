// The shape of a custom field: its definition as a client sends it and the kind of field it
// makes. Apart from the rules (fields.ts) so that value conversion (field-values.ts) can name it.
export interface FieldDef {
  type: 'string' | 'integer' | 'number' | 'boolean'
  label: string
  description?: string
  format?: 'uuid' | 'date' | 'date-time' | 'url' | 'email'
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number | boolean
  exclusiveMaximum?: number | boolean
  multipleOf?: number
  enum?: string[]
  multiselect?: boolean
  default?: unknown
  displayName?: boolean
}

export type FieldKind =
  | 'text'
  | 'longText'
  | 'url'
  | 'email'
  | 'uuid'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'picklist'
  | 'multiselect'

export interface Field {
  name: string
  kind: FieldKind
  def: FieldDef
}
