// strconv.IsPrint / unicode.IsPrint as of Go 1.19 (Unicode 13.0.0), for code points >= 0x80.
// Generated from Go itself (test/unit/template-fmt-isprint.test.ts regenerates and compares it):
// each entry is "gap.length" in base 36, where gap is the distance from the end of the previous
// printable range (starting at 0x7f) to the start of this one.
export const PRINT_RANGES_ENCODED =
  "y.c,2.ju,3.6,5.7,2.1,2.k,2.b1,2.12,3.1e,3.3,2.1j,9.r,5.6,i.m,3.5b,2.1c,3.1n,3.2t,f.1n,3.1d,3.f,2.s,3.1,2.b,1i.l,2.i,c.f,2.4h,2.8,3.2,3.m,2.7,2.1,4.4,3.9,3.2,3.4,9.1,5.2,2.5,3.p,3.3,2.6,5.2,3.m,2.7,2.2,2.2,2.2,3.1,2.5,5.2,3.3,4.1,8.4,2.1,8.h,b.3,2.9,2.3,2.m,2.7,2.2,2.5,3.a,2.3,2.3,3.1,g.4,3.c,8.7,2.3,2.8,3.2,3.m,2.7,2.2,2.5,3.9,3.2,3.3,8.3,5.2,2.5,3.i,b.2,2.6,4.3,2.4,4.2,2.1,2.2,4.2,4.3,4.c,5.5,4.3,2.4,3.1,7.1,f.l,6.d,2.3,2.n,2.g,4.8,2.3,2.4,8.2,2.3,6.4,3.a,8.m,2.3,2.n,2.a,2.5,3.9,2.3,2.4,8.2,8.1,2.4,3.a,2.2,e.d,2.3,2.1f,2.3,2.6,5.g,3.q,2.3,2.i,4.o,2.9,2.1,3.7,4.1,5.6,2.1,2.8,7.a,3.3,d.1m,5.t,12.2,2.1,2.5,2.o,2.1,2.n,3.5,2.1,2.6,3.a,3.4,x.20,2.10,5.13,2.10,2.f,2.d,12.5i,2.1,6.1,3.ah,2.4,3.7,2.1,2.4,3.15,2.4,3.x,2.4,3.7,2.1,2.4,3.f,2.1l,2.4,3.1v,3.w,4.q,7.2e,3.6,3.hs,2.s,4.2h,8.d,2.7,c.n,a.k,d.d,2.3,2.2,d.2m,3.a,7.a,7.e,3.a,7.2h,8.17,6.1y,b.v,2.c,5.c,5.1,4.16,3.5,c.18,5.q,7.b,4.1q,3.1t,2.t,3.b,7.a,7.e,3.h,1s.24,5.19,4.38,9.1o,4.f,4.1o,8.17,3.b,9.17,6.6y,2.7v,3.6,3.12,3.6,3.8,2.1,2.1,2.1,2.v,3.1h,2.f,2.e,3.6,2.j,3.3,2.9,i.o,9.1b,i.2,3.r,2.d,4.w,h.x,g.3w,5.if,q.b,m.1ec,3.w,2.48,2.1b,2.44,6.19,2.1,6.1,3.1k,8.2,f.o,a.7,2.7,2.7,2.7,2.7,2.7,2.7,2.7,2.37,1a.q,2.2h,d.5y,r.c,6.1r,2.2e,3.2v,6.17,2.2m,2.2c,d.1b,2.lp9,4.wd,4.1j,a.9o,l.54,9.5c,3.9,17.1k,4.a,7.1k,9.1y,9.c,7.38,c.u,4.26,2.b,5.x,2.1j,a.e,3.a,3.2v,p.s,b.6,3.6,3.6,a.7,2.7,2.1o,5.3i,3.a,7.8mc,d.n,5.1d,6it.a6,3.2y,13.7,d.5,6.q,2.5,2.1,2.2,2.2,2.3g,i.a5,h.1s,3.1i,15.e,3.q,7.1f,2.j,2.4,5.5,2.3r,5.5a,4.6,3.6,3.6,3.3,4.7,2.7,e.2,3.c,2.q,2.j,2.2,2.f,3.e,z.3f,6.3,5.19,4.2g,2.d,4.1,1c.1a,3n.t,4.1d,g.s,5.10,a.u,6.17,6.u,2.11,5.e,17.4e,3.a,7.10,5.10,5.14,9.1g,c.1,41.8n,a.m,b.8,49.6,3.1,2.18,2.2,4.1,3.n,2.20,9.9,1d.j,2.2,6.x,4.r,6.1,1t.1k,5.k,3.1e,2.2,6.8,2.3,2.t,3.3,5.a,8.9,8.1s,x.13,5.c,a.1i,4.t,3.r,6.q,8.4,d.7,29.21,1k.1f,e.1f,8.1a,9.a,87.v,2.16,2.3,3.2,27.14,9.16,2f.s,l.n,a.26,5.u,g.1q,2.4,f.p,8.a,7.1h,2.i,9.13,a.2o,2.k,c.i,2.18,1u.7,2.1,2.4,2.f,2.b,7.1n,6.a,7.4,2.8,3.2,3.m,2.7,2.2,2.5,2.a,3.2,3.3,3.1,7.1,6.7,3.7,4.5,3w.2k,2.5,v.20,9.a,4n.1i,3.12,z.1x,c.a,7.d,k.1l,8.a,1j.r,3.f,5.g,5d.1o,2t.2b,d.8,3.1,3.8,2.2,2.u,2.2,3.c,a.a,1z.8,3.1a,3.b,s.20,9.2b,u.1l,7c.9,2.19,2.e,b.t,4.w,3.m,2.e,22.7,2.2,2.18,4.1,2.2,2.9,9.a,7.6,2.2,2.11,2.2,2.6,8.a,8n.p,54.1,g.1e,e.pn,2v.33,2.5,c.5g,24d.tr,34i.g7,6nu.ft,8.v,2.a,5.2,2p.u,3.6,b.1y,b.a,2.7,2.l,6.j,j5.2j,2u.23,5.1l,8.h,1t.5,c.2,f.4qg,9.ye,17.9,6wo.7z,1e.3,i.4,9.b0,1s5.2z,6.d,4.9,8.a,3.4,3tt.6u,b.13,3.22,9.32,o.1y,4b.k,d.2f,a.p,3s.2d,2.1z,2.2,3.1,3.2,3.4,2.c,2.1,2.7,2.1t,2.4,3.8,2.7,2.s,2.4,2.5,2.1,4.7,2.9g,3.84,3.ji,g.5,2.f,11t.7,2.h,3.7,2.2,2.5,5y.19,4.e,3.a,5.2,a9.1m,6.1,zl.5h,3.g,16.24,5.a,5.2,lu.1w,25.1p,5f.4,2.r,2.2,2.1,3.1,2.a,2.4,2.1,2.1,7.1,5.1,2.1,2.1,2.3,2.2,2.1,3.1,2.1,2.1,2.1,2.1,2.2,2.1,3.4,2.7,2.4,2.4,2.1,2.a,2.h,6.3,2.5,2.h,1h.2,7j.18,5.2s,d.f,3.f,2.f,2.11,b.4u,1l.t,e.18,5.9,8.2,f.6,4b.rc,9.d,4.d,4.38,d.2h,8.c,l.c,5.1k,9.a,7.14,9.u,3.2,27.3d,2.2a,2.3r,d.e,3.5,4.3,6.7,a.p,8.7,a.3,e.7,16.43,2.1j,12.a,sn.wym,z.379,c.66,3.4g2,f.5rl,2e8.f2,15v.3t7,fcmu.6o";

const starts: number[] = [];
const ends: number[] = [];
{
  let prev = 0x7f;
  for (const part of PRINT_RANGES_ENCODED.split(",")) {
    const dot = part.indexOf(".");
    const start = prev + parseInt(part.slice(0, dot), 36);
    const end = start + parseInt(part.slice(dot + 1), 36) - 1;
    starts.push(start);
    ends.push(end);
    prev = end;
  }
}

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020. */
export function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r < starts[mid]!) hi = mid - 1;
    else if (r > ends[mid]!) lo = mid + 1;
    else return true;
  }
  return false;
}
