using System;
using System.Text;

namespace StaticRnn.Generator;

/// <summary>Builds C# text with four-space indentation; <see cref="Block"/> opens a brace that disposing closes.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
            _text.Append(line);
        }
        _text.Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until the returned scope is disposed.</summary>
    public Scope Block(string header)
    {
        if (header.Length > 0)
        {
            Line(header);
        }
        Line("{");
        _indent++;
        return new Scope(this);
    }

    public readonly struct Scope : IDisposable
    {
        private readonly SourceWriter _writer;

        public Scope(SourceWriter writer) => _writer = writer;

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line("}");
        }
    }

    public override string ToString()
    {
        if (_indent != 0)
        {
            throw new InvalidOperationException($"Unbalanced blocks: indentation is {_indent} at the end of the file.");
        }
        return _text.ToString();
    }
}
