// unicode.IsLetter and unicode.IsDigit as of Go 1.19 (Unicode 13.0.0), for code points >= 0x80.
// JavaScript's \p{L} / \p{Nd} follow a newer Unicode, so the lexer uses these tables instead.
// Generated from Go itself with the program in test/unit/template-go-unicode.test.ts (which
// regenerates and compares them): each entry is "gap.length" in base 36, where gap is the
// distance from the end of the previous range (starting at 0x7f) to the start of this one.
import { decodeRanges, inRanges, type RuneRanges } from "./unicode-ranges.js";

export const LETTER_RANGES_ENCODED =
  "17.1,b.1,5.1,6.n,2.v,2.cq,5.c,f.5,8.1,2.1,3m.5,2.2,3.4,2.1,7.1,2.3,2.1,2.k,2.2b,2.3v,9.4m,2.12,3.1,7.15,20.r,5.4,1a.17,10.2,2.2r,2.1,g.2,8.2,b.3,3.1,h.1,2.u,u.2h,c.1,p.x,a.2,5.1,6.m,5.1,a.1,4.1,o.p,8.b,1i.l,2.i,1p.1i,4.1,j.1,8.a,g.g,5.8,3.2,3.m,2.7,2.1,4.4,4.1,h.1,e.2,2.3,f.2,b.1,9.6,5.2,3.m,2.7,2.2,2.2,2.2,w.4,2.1,k.3,h.9,2.3,2.m,2.7,2.2,2.5,4.1,j.1,g.2,o.1,c.8,3.2,3.m,2.7,2.2,2.5,4.1,v.2,2.3,g.1,i.1,2.6,4.3,2.4,4.2,2.1,2.2,4.2,4.3,4.c,n.1,1h.8,2.3,2.n,2.g,4.1,r.3,6.2,v.1,5.8,2.3,2.n,2.a,2.5,4.1,x.1,2.2,g.2,i.9,2.3,2.15,3.1,h.1,6.3,9.3,p.6,6.i,4.o,2.9,2.1,3.7,1n.1c,2.2,d.7,1n.2,2.1,2.5,2.o,2.1,2.a,2.2,a.1,3.5,2.1,m.4,x.1,1s.8,2.10,s.5,38.17,l.1,h.6,5.4,4.1,4.2,8.3,5.d,d.1,i.12,2.1,6.1,3.17,2.99,2.4,3.7,2.1,2.4,3.15,2.4,3.x,2.4,3.7,2.1,2.4,3.f,2.1l,2.4,3.1v,12.g,h.2e,3.6,4.h8,3.h,2.q,6.23,7.8,8.d,2.4,f.i,f.i,f.d,2.3,g.1g,10.1,5.1,1w.2h,8.5,3.y,2.1,6.1y,b.v,1e.u,3.5,c.18,5.q,1j.n,a.1h,2b.1,2m.1b,i.7,1k.u,e.2,b.18,r.10,16.3,b.10,3.9,8.17,3.3,16.4,2.6,2.2,4.1,6.5c,1t.7q,3.6,3.12,3.6,3.8,2.1,2.1,2.1,2.v,3.1h,2.7,2.1,4.3,2.7,4.4,3.6,5.d,6.3,2.7,39.1,e.1,h.d,2u.1,5.1,3.a,2.1,4.5,7.1,2.1,2.1,2.4,2.b,3.4,6.5,5.1,1h.2,22k.1b,2.1b,2.3p,7.4,4.2,d.12,2.1,6.1,3.1k,8.1,h.n,a.7,2.7,2.7,2.7,2.7,2.7,2.7,2.7,29.1,d2.2,17.5,6.2,5.2e,7.3,2.2i,2.4,6.17,2.2m,i.w,1d.g,e9.534,1t.g71,4.wd,1w.1a,3.7h,4.g,b.2,l.1b,h.v,3.1y,1e.9,3.2v,3.1h,3.9,17.d,2.3,2.4,2.n,u.1g,f.1e,1r.6,4.1,2.2,c.s,b.n,q.t,8.1b,t.1,h.5,2.a,b.5,2.15,o.3,2.8,l.n,4.1,4.1e,2.1,4.2,3.5,3.1,2.1,p.3,3.b,8.3,d.6,3.6,3.6,a.7,2.7,2.17,2.e,7.37,u.8mc,d.n,5.1d,6it.a6,3.2y,13.7,d.5,6.1,2.a,2.d,2.5,2.1,2.2,2.2,2.30,y.a3,j.1s,3.1i,15.c,39.5,2.3r,11.q,7.q,c.2h,4.6,3.6,3.6,3.3,10.c,2.q,2.j,2.2,2.f,3.e,z.3f,au.t,4.1d,1c.w,e.k,2.8,7.12,b.u,3.10,5.8,1d.4e,j.10,5.10,5.14,9.1g,4d.8n,a.m,b.8,49.6,3.1,2.18,2.2,4.1,3.n,b.n,a.v,1u.j,2.2,b.m,b.q,1z.1k,7.2,1t.1,g.4,2.3,2.t,17.t,4.t,10.8,2.s,s.1i,b.m,b.j,e.i,33.21,1k.1f,e.1f,e.10,9p.16,7.2,27.t,b.1,9.m,2z.l,s.n,d.1h,24.19,x.p,r.10,u.1,3.1,9.z,4.1,d.1c,f.4,m.1,2.1,10.i,2.p,2d.7,2.1,2.4,2.f,2.a,8.1b,13.8,3.2,3.m,2.7,2.2,2.5,4.1,j.1,d.5,4f.1h,j.4,l.3,v.1c,l.2,2.1,55.1b,16.4,11.1c,l.1,1o.17,e.1,20.r,6e.18,39.1s,w.8,3.1,3.8,2.2,2.o,g.1,2.1,2n.8,3.13,h.1,2.1,t.1,b.14,8.1,m.1,c.1a,k.1,z.1l,7c.9,2.11,i.1,1e.u,35.7,2.2,2.12,m.1,q.6,2.2,2.w,f.1,94.j,5a.1,28.pm,6f.5g,24d.tr,34i.g7,6nu.ft,8.v,36.u,j.1c,h.4,w.l,6.j,j5.1s,3l.23,6.1,1v.d,1t.2,2.1,t.4qg,9.ye,17.9,6wo.7z,1e.3,i.4,9.b0,1s5.2z,6.d,4.9,8.a,4mf.2d,2.1z,2.2,3.1,3.2,3.4,2.c,2.1,2.7,2.1t,2.4,3.8,2.7,2.s,2.4,2.5,2.1,4.7,2.9g,3.p,2.p,2.v,2.p,2.v,2.p,2.v,2.p,2.v,2.p,2.8,1th.19,b.7,h.1,aa.18,105.5h,1o.1w,8.1,xh.4,2.r,2.2,2.1,3.1,2.a,2.4,2.1,2.1,7.1,5.1,2.1,2.1,2.3,2.2,2.1,3.1,2.1,2.1,2.1,2.1,2.2,2.1,3.4,2.7,2.4,2.4,2.1,2.a,2.h,6.3,2.5,2.h,3et.wym,z.379,c.66,3.4g2,f.5rl,2e8.f2,15v.3t7";

export const DIGIT_RANGES_ENCODED =
  "15t.a,3r.a,5j.a,bh.a,3b.a,3b.a,3b.a,3b.a,3b.a,3b.a,3b.a,3b.a,3b.a,2p.a,3b.a,1z.a,7r.a,1z.a,1fr.a,13.a,8d.a,3l.a,4n.a,7.a,53.a,2f.a,3r.a,7.a,r7r.a,iv.a,13.a,5j.a,n.a,2f.a,bb.a,gev.a,13b.a,1on.a,ml.a,3l.a,1p.a,41.a,7r.a,9j.a,3b.a,af.a,2v.a,2v.a,br.a,2v.a,l3.a,6v.a,1z.a,f5j.a,6f.a,lf9.1e,1tt.a,br.a,193.a,3o7.a";

// Decoded on first use: most templates are ASCII and never need them.
let letters: RuneRanges | null = null;
let digits: RuneRanges | null = null;

/** Go 1.19's unicode.IsLetter. */
export function isGoLetter(r: number): boolean {
  if (r < 0x80) return (r >= 65 && r <= 90) || (r >= 97 && r <= 122);
  return inRanges((letters ??= decodeRanges(LETTER_RANGES_ENCODED)), r);
}

/** Go 1.19's unicode.IsDigit. */
export function isGoDigit(r: number): boolean {
  if (r < 0x80) return r >= 48 && r <= 57;
  return inRanges((digits ??= decodeRanges(DIGIT_RANGES_ENCODED)), r);
}

/** text/template's goodName: a letter or '_' first, then letters, digits and '_'. */
export function isGoodFuncName(name: string): boolean {
  if (name === "") return false;
  let first = true;
  for (const ch of name) {
    const r = ch.codePointAt(0)!;
    if (r !== 95 && !isGoLetter(r) && (first || !isGoDigit(r))) return false;
    first = false;
  }
  return true;
}
