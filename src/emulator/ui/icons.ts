// Icons and colors of objects, as the Tabs, Theme, quick action and layout resources describe
// them. URLs follow a real org's paths (/img/icon/...); the emulator does not serve the images.
import type { ObjectDef } from '../schema/types.ts';

interface ObjectLook {
  /** Lightning (theme4) icon name under /img/icon/t4/standard/. */
  icon: string;
  /** Lightning primary color, RGB hex without '#'. */
  color: string;
  /** Classic (theme3) icon file stem and color, for standard objects only. */
  classic?: { image: string; color: string };
}

// Account's colors and icon paths are those of the REST API guide's Tabs example; the other
// standard objects use the Lightning Design System colors of their standard icons (unverified).
const STANDARD: Record<string, ObjectLook> = {
  Account: { icon: 'account', color: '6f7ccb', classic: { image: 'accounts', color: '236FBD' } },
  Contact: { icon: 'contact', color: 'a094ed', classic: { image: 'contacts', color: '56458C' } },
  Lead: { icon: 'lead', color: 'f88962', classic: { image: 'leads', color: 'E39321' } },
  Opportunity: { icon: 'opportunity', color: 'fcb95b', classic: { image: 'opportunities', color: 'E5C130' } },
  Case: { icon: 'case', color: 'f2cf5b', classic: { image: 'cases', color: 'B7A752' } },
  Product2: { icon: 'product', color: 'b781d3', classic: { image: 'products', color: 'A94A8E' } },
  Pricebook2: { icon: 'pricebook', color: 'b781d3', classic: { image: 'pricebooks', color: '7F6BA8' } },
  User: { icon: 'user', color: '65cae4', classic: { image: 'people', color: '3D8D8D' } },
  Task: { icon: 'task', color: '4bc076', classic: { image: 'tasks', color: '4C8F5D' } },
  Event: { icon: 'event', color: 'eb7092', classic: { image: 'events', color: 'B24D4D' } },
};

/** A custom object's look: its tab's motif when it has one (`Custom20: Airplane` -> custom20). */
export function lookOf(def: ObjectDef, motif?: string): ObjectLook {
  const standard = STANDARD[def.name];
  if (standard !== undefined) return standard;
  const n = /^Custom(\d+)/i.exec(motif ?? '')?.[1];
  return { icon: n === undefined ? 'custom' : `custom${n}`, color: 'ff7b84' };
}

function isCustomIcon(look: ObjectLook): boolean {
  return look.icon.startsWith('custom');
}

export function colorsOf(look: ObjectLook): Record<string, unknown>[] {
  const colors: Record<string, unknown>[] = [{ color: look.color, context: 'primary', theme: 'theme4' }];
  if (look.classic !== undefined) colors.push({ color: look.classic.color, context: 'primary', theme: 'theme3' });
  return colors;
}

export function iconsOf(look: ObjectLook, baseUrl: string): Record<string, unknown>[] {
  const folder = isCustomIcon(look) ? 'custom' : 'standard';
  const t4 = `${baseUrl}/img/icon/t4/${folder}/${look.icon}`;
  const icons: Record<string, unknown>[] = [];
  if (look.classic !== undefined) {
    icons.push(
      { contentType: 'image/png', height: 32, theme: 'theme3', url: `${baseUrl}/img/icon/${look.classic.image}32.png`, width: 32 },
      { contentType: 'image/png', height: 16, theme: 'theme3', url: `${baseUrl}/img/icon/${look.classic.image}16.png`, width: 16 },
    );
  }
  icons.push(
    { contentType: 'image/svg+xml', height: 0, theme: 'theme4', url: `${t4}.svg`, width: 0 },
    { contentType: 'image/png', height: 60, theme: 'theme4', url: `${t4}_60.png`, width: 60 },
    { contentType: 'image/png', height: 120, theme: 'theme4', url: `${t4}_120.png`, width: 120 },
  );
  return icons;
}

/** The 32 and 16 pixel icon URLs that `iconUrl` and `miniIconUrl` name. */
export function iconUrlsOf(look: ObjectLook, baseUrl: string): { iconUrl: string; miniIconUrl: string } {
  if (look.classic !== undefined) return { iconUrl: `${baseUrl}/img/icon/${look.classic.image}32.png`, miniIconUrl: `${baseUrl}/img/icon/${look.classic.image}16.png` };
  const t4 = `${baseUrl}/img/icon/t4/${isCustomIcon(look) ? 'custom' : 'standard'}/${look.icon}`;
  return { iconUrl: `${t4}_120.png`, miniIconUrl: `${t4}_60.png` };
}
