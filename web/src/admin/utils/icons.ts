import type { Component } from 'vue'
import * as Icons from '@element-plus/icons-vue'

const table = Icons as unknown as Record<string, Component>

/** Resolve an Element Plus icon by name ("Lock", "Location"...); undefined if unknown. */
export function resolveIcon(name: string | null | undefined): Component | undefined {
  if (!name) return undefined
  return table[name] ?? table[name.charAt(0).toUpperCase() + name.slice(1)]
}
