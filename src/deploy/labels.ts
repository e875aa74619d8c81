// Labels on containers hecd launches, so any tool (and `docker ps --filter`) can find them.
export const LABEL_MANAGED = "hecd.managed";
export const LABEL_SERVICE = "hecd.service";
export const LABEL_PORT = "hecd.port";

export function managedFilter(service?: string): { label: string[] } {
  return {
    label: [`${LABEL_MANAGED}=true`, ...(service !== undefined ? [`${LABEL_SERVICE}=${service}`] : [])],
  };
}
