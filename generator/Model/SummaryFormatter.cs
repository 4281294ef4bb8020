using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace StaticRnn.Generator.Model;

/// <summary>Formats Keras 3's <c>model.summary()</c> table for a spec.</summary>
internal static class SummaryFormatter
{
    public static string Format(NetworkSpec spec)
    {
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(spec.ClassName).Append("\"\n");
        Table(sb, spec.Layers);
        Totals(sb, spec.ParameterCount);
        return sb.ToString();
    }

    /// <summary>A Seq2Seq model: the encoder's table, the decoder's, then the totals of both.</summary>
    public static string Format(Seq2SeqSpec spec)
    {
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(spec.ClassName).Append("\"\n");
        sb.Append("Encoder (").Append(NetworkBuilder.Count(spec.SourceLength)).Append(" source tokens):\n");
        Table(sb, spec.Encoder.Layers);
        sb.Append("Decoder (").Append(NetworkBuilder.Count(spec.TargetLength)).Append(" target tokens, attending over the encoder's output):\n");
        Table(sb, spec.Decoder.Layers);
        Totals(sb, spec.ParameterCount);
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, System.Collections.Generic.IReadOnlyList<LayerSpec> layers)
    {
        var rows = layers.Select(l => (
            Name: $"{l.Name} ({l.KerasType})",
            Shape: NetworkBuilder.KerasShape(l.OutputShape),
            Params: l.ParamCount.ToString("N0", CultureInfo.InvariantCulture))).ToList();
        int w1 = Math.Max(31, rows.Max(r => r.Name.Length));
        int w2 = Math.Max(22, rows.Max(r => r.Shape.Length));
        int w3 = Math.Max(13, rows.Max(r => r.Params.Length));
        string Bar(char c, int w) => new string(c, w + 2);

        sb.Append('┏').Append(Bar('━', w1)).Append('┳').Append(Bar('━', w2)).Append('┳').Append(Bar('━', w3)).Append("┓\n");
        sb.Append("┃ ").Append("Layer (type)".PadRight(w1)).Append(" ┃ ").Append("Output Shape".PadRight(w2)).Append(" ┃ ").Append("Param #".PadLeft(w3)).Append(" ┃\n");
        sb.Append('┡').Append(Bar('━', w1)).Append('╇').Append(Bar('━', w2)).Append('╇').Append(Bar('━', w3)).Append("┩\n");
        for (int i = 0; i < rows.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('├').Append(Bar('─', w1)).Append('┼').Append(Bar('─', w2)).Append('┼').Append(Bar('─', w3)).Append("┤\n");
            }
            sb.Append("│ ").Append(rows[i].Name.PadRight(w1)).Append(" │ ").Append(rows[i].Shape.PadRight(w2)).Append(" │ ").Append(rows[i].Params.PadLeft(w3)).Append(" │\n");
        }
        sb.Append('└').Append(Bar('─', w1)).Append('┴').Append(Bar('─', w2)).Append('┴').Append(Bar('─', w3)).Append("┘\n");
    }

    private static void Totals(StringBuilder sb, int parameters)
    {
        string total = Count(parameters);
        sb.Append(" Total params: ").Append(total).Append('\n');
        sb.Append(" Trainable params: ").Append(total).Append('\n');
        sb.Append(" Non-trainable params: ").Append(Count(0)).Append('\n');
    }

    /// <summary>Keras's "137 (548.00 B)": the count and its float32 size in B, KB, MB or GB (powers of 1024).</summary>
    private static string Count(int parameters)
    {
        double bytes = parameters * 4.0;
        string[] units = { "B", "KB", "MB", "GB" };
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1)
        {
            bytes /= 1024;
            u++;
        }
        return $"{parameters.ToString("N0", CultureInfo.InvariantCulture)} ({bytes.ToString("0.00", CultureInfo.InvariantCulture)} {units[u]})";
    }
}
