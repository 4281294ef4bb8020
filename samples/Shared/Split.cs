namespace StaticRnn.Samples;

/// <summary>Seeded train/test splits for the samples.</summary>
internal static class Split
{
    /// <summary>Shuffles <paramref name="items"/> with <paramref name="random"/> and cuts 80 % / 20 %. Splitting each class
    /// separately makes the split stratified.</summary>
    public static (List<T> Train, List<T> Test) EightyTwenty<T>(List<T> items, SeededRandom random)
    {
        int[] order = Enumerable.Range(0, items.Count).ToArray();
        random.Shuffle(order);
        int cut = (int)(items.Count * 0.8);
        return (order.Take(cut).Select(i => items[i]).ToList(), order.Skip(cut).Select(i => items[i]).ToList());
    }
}
