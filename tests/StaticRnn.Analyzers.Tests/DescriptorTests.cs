using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using StaticRnn.Analyzers;
using StaticRnn.Generator.Model;
using Xunit;

namespace StaticRnn.Analyzers.Tests;

/// <summary>The descriptors, their help pages and the release-tracking files all agree with the model's one table of diagnostics.</summary>
public class DescriptorTests
{
    private static string RepositoryRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));

    [Fact]
    public void EveryDescriptorLinksToItsOwnHelpPageAndThePageExists()
    {
        Assert.Equal(DiagnosticIds.All.Select(k => k.Id), DiagnosticDescriptors.All.Select(d => d.Id));
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            Assert.Equal($"{DiagnosticIds.DocsBase}{descriptor.Id}.md", descriptor.HelpLinkUri);
            string page = Path.Combine(RepositoryRoot(), "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"missing help page {page}");
            Assert.StartsWith($"# {descriptor.Id}: ", File.ReadAllText(page));
        }
    }

    [Fact]
    public void SeveritiesComeFromTheModelAndOnlyErrorsAreNotConfigurable()
    {
        foreach (DiagnosticKind kind in DiagnosticIds.All)
        {
            DiagnosticDescriptor descriptor = DiagnosticDescriptors.For(kind.Id);
            DiagnosticSeverity expected = kind.Severity switch
            {
                ProblemSeverity.Error => DiagnosticSeverity.Error,
                ProblemSeverity.Warning => DiagnosticSeverity.Warning,
                _ => DiagnosticSeverity.Info,
            };
            Assert.Equal(expected, descriptor.DefaultSeverity);
            Assert.Equal(kind.Severity == ProblemSeverity.Error, descriptor.CustomTags.Contains(WellKnownDiagnosticTags.NotConfigurable));
            Assert.Equal(kind.Severity == ProblemSeverity.Error, new Problem(kind.Id, ProblemTarget.Class, -1, "").IsError);
        }
    }

    /// <summary>Roslyn's release tracking cannot read descriptors made from a table, so this checks the release file against it.</summary>
    [Fact]
    public void ReleaseTrackingFileListsEveryDiagnosticWithItsCategoryAndSeverity()
    {
        string[] rows = File.ReadAllLines(Path.Combine(RepositoryRoot(), "analyzers", "StaticRnn.Analyzers", "AnalyzerReleases.Unshipped.md"))
            .Where(l => l.StartsWith("SRNN", StringComparison.Ordinal)).ToArray();
        Assert.Equal(DiagnosticIds.All.Count, rows.Length);
        foreach (DiagnosticKind kind in DiagnosticIds.All)
        {
            string[] cells = rows.Single(r => r.StartsWith(kind.Id + " ", StringComparison.Ordinal)).Split('|').Select(c => c.Trim()).ToArray();
            Assert.Equal(kind.Category, cells[1]);
            Assert.Equal(kind.Severity.ToString(), cells[2]);
        }
    }
}
