export async function benchKinesis(): Promise<{ name: string; value: number; unit: string; note?: string }[]> {
  return [];
}
