import { describe, expect, it } from "vitest";
import { parseShowProc } from "../../src/haproxy/master.js";
import { parseServersConn, parseServersState, parseShowStat, splitCsvLine } from "../../src/haproxy/parse.js";

// Answers captured from HAProxy 2.6.12.
const STATE =
  "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n3 be 1 s1 127.0.0.1 0 0 1 1 2 8 2 0 6 0 0 0 - 18482 - 0 0 - - 0\n3 be 2 s2 127.0.0.1 0 1 1 1 0 1 0 0 2 0 0 0 - 18483 - 0 0 - - 0\n\n";
const CONN =
  "# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[2]\nbe/s1 3/1 127.0.0.1 18482 - 5000 0 1 1 0 0 -1 0 0 0\nbe/s2 3/2 127.0.0.1 18483 - 0 2 1 1 0 0 0 3 0 0\n\n";
const STAT =
  "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,\n" +
  "fe,FRONTEND,,,0,0,1000,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,0,,,,0,0,0,0,0,0,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,\n" +
  'be,s1,1,0,4,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,3,3,,1,3,1,,0,,2,0,,0,L4CON,,0,0,0,0,0,0,0,,,,0,0,0,,,,,-1,"Connection refused, twice",,0,0,0,0,,,,Layer4 connection problem,,1,2,0,,,,127.0.0.1:18482,,http,,\n\n';

describe("HAProxy output parsers", () => {
  it("show servers state", () => {
    const s = parseServersState(STATE);
    expect(s).toEqual([
      {
        backendId: 3,
        backend: "be",
        id: 1,
        name: "s1",
        addr: "127.0.0.1",
        port: 18482,
        opState: 0,
        adminState: 0,
        checkState: 6,
      },
      {
        backendId: 3,
        backend: "be",
        id: 2,
        name: "s2",
        addr: "127.0.0.1",
        port: 18483,
        opState: 0,
        adminState: 1,
        checkState: 2,
      },
    ]);
    expect(
      parseServersState(
        "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_check_state srv_port\n\n",
      ),
    ).toEqual([]);
    expect(() => parseServersState("Can't find backend.\n")).toThrow(/format version 1/);
  });

  it("show servers conn", () => {
    expect(parseServersConn(CONN)).toEqual([
      { backend: "be", name: "s1", addr: "127.0.0.1", port: 18482, usedCur: 0, idleCur: 0 },
      { backend: "be", name: "s2", addr: "127.0.0.1", port: 18483, usedCur: 2, idleCur: 3 },
    ]);
    expect(() => parseServersConn("Unknown command\n")).toThrow(/no header/);
  });

  it("show stat, including quoted fields with commas", () => {
    const rows = parseShowStat(STAT);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ pxname: "fe", svname: "FRONTEND", scur: 0, status: "OPEN" });
    expect(rows[1]).toMatchObject({
      pxname: "be",
      svname: "s1",
      scur: 4,
      qcur: 1,
      status: "DOWN",
      addr: "127.0.0.1:18482",
    });
    expect(rows[1]!.fields.check_status).toBe("L4CON");
    expect(rows[1]!.fields.check_desc).toBe("Layer4 connection problem");
    expect(splitCsvLine('a,"b,c",d')).toEqual(["a", "b,c", "d"]);
    expect(splitCsvLine('"say ""hi""",x')).toEqual(['say "hi"', "x"]);
    expect(() => parseShowStat("Permission denied\n")).toThrow(/no CSV header/);
  });

  it("show proc, before and after reloads", () => {
    const p = parseShowProc(
      "#<PID>          <type>          <reloads>       <uptime>        <version>      \n7935            master          1 [failed: 0]   0d00h10m20s     2.6.12-1+deb12u4\n# workers\n31070           worker          0               0d00h00m01s     2.6.12-1+deb12u4\n# old workers\n7938            worker          1               0d00h10m20s     2.6.12-1+deb12u4\n# programs\n\n",
    );
    expect(p.master).toEqual({
      pid: 7935,
      type: "master",
      reloads: 1,
      failedReloads: 0,
      uptime: "0d00h10m20s",
      version: "2.6.12-1+deb12u4",
    });
    expect(p.workers.map((w) => w.pid)).toEqual([31070]);
    expect(p.oldWorkers.map((w) => w.pid)).toEqual([7938]);
    expect(() => parseShowProc("Unknown command.\n")).toThrow(/unexpected line|no master/);
  });
});
