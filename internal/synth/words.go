package synth

// Vocabulary for titles, descriptions and other free text. The texts are invented; they
// imitate the shape of Meta Kaggle's text (commas, quotes, Markdown, several scripts) so the
// readers downstream meet the same difficulties as with the real files.

// titled is a phrase and its URL slug.
type titled struct{ text, slug string }

var subjects = []string{
	"Housing Prices", "Credit Card Fraud", "Stock Market", "Air Quality", "COVID-19 Cases",
	"Customer Churn", "Netflix Movies and TV Shows", "Spotify Tracks", "Heart Disease",
	"Diabetes Health Indicators", "Used Car Listings", "Flight Delays", "Olympic Medals",
	"FIFA Players", "Crime Statistics", "Student Performance", "Electric Vehicle Population",
	"Global Temperature", "World Population", "Amazon Product Reviews", "Twitter Sentiment",
	"Fake News", "Mushroom Classification", "Wine Quality", "Titanic Passengers",
	"Bitcoin Prices", "Retail Sales", "Hotel Bookings", "Taxi Trips", "Airbnb Listings",
	"Job Postings", "Data Science Salaries", "Medical Insurance Costs", "Breast Cancer Diagnostics",
	"Chest X-Ray Images", "Brain MRI Scans", "Traffic Accidents", "Energy Consumption",
	"Rainfall", "Earthquakes", "Wildfires", "Video Game Sales", "Anime Ratings", "Book Reviews",
	"Food Prices", "Coffee Quality", "Mobile Phone Specs", "Laptop Prices", "E-commerce Orders",
	"Bank Marketing", "Loan Defaults", "Telecom Churn", "Sign Language Digits",
	"Handwritten Digits", "Bird Species", "Plant Diseases", "Football Matches", "Cricket Scores",
	"NBA Player Stats", "Formula 1 Results", "Mental Health Survey", "Electricity Load",
	"Solar Power Generation", "Restaurant Reviews", "Movie Box Office", "University Rankings",
}

var datasetKinds = []string{"Dataset", "Data", "Statistics", "Records", "Database", "Survey",
	"Images", "Time Series", "Collection", "", "", "", ""}

var places = []string{"India", "USA", "Vietnam", "Brazil", "London", "New York City",
	"California", "Global", "European", "Indonesia", "Nigeria", "Chicago", "Tokyo", "Germany",
	"Australia", "Ho Chi Minh City", "Mumbai", "Paris", "Toronto", "Lagos"}

// unicodeTitles are dataset titles in other scripts, with their ASCII slugs.
var unicodeTitles = []titled{
	{"Dữ liệu giá nhà Hà Nội", "du-lieu-gia-nha-ha-noi"},
	{"Giá xe máy cũ tại Việt Nam", "gia-xe-may-cu-tai-viet-nam"},
	{"Điểm thi THPT Quốc gia 2023", "diem-thi-thpt-quoc-gia-2023"},
	{"Bình luận sản phẩm Shopee (tiếng Việt)", "binh-luan-san-pham-shopee"},
	{"中国城市空气质量", "china-city-air-quality"},
	{"上海二手房价格", "shanghai-second-hand-housing-prices"},
	{"Цены на жильё в Москве", "moscow-housing-prices"},
	{"Отзывы о ресторанах", "restaurant-reviews-russian"},
	{"Données météo de Paris", "paris-weather-data"},
	{"Población de España por municipio", "spain-population-by-municipality"},
	{"日本の地震データ", "japan-earthquake-data"},
	{"한국 영화 관객 수", "korean-movie-audience"},
	{"São Paulo Metrô Ridership", "sao-paulo-metro-ridership"},
	{"Café Sales in Zürich", "cafe-sales-in-zurich"},
}

var subtitleFragments = []string{
	"Daily prices from 2010 to 2024, updated weekly",
	"A cleaned, ready-to-use version of the public data",
	"Scraped from public listings; duplicates removed",
	"Records of every transaction, anonymised",
	"Collected for a university project",
	"Labelled images for classification, 10 classes",
	"Official statistics, by region and year",
	"A beginner-friendly dataset for regression",
	"Hourly measurements from 35 stations",
	"Survey answers from more than 20,000 respondents",
	"The \"gold standard\" benchmark, re-split",
	"Text data for sentiment analysis (positive / negative)",
	"Dữ liệu được thu thập từ các trang web công khai",
	"Данные собраны из открытых источников",
}

var descriptionHeadings = []string{"## About Dataset", "### Context", "### Content",
	"## Acknowledgements", "### Inspiration", "# Overview", "## Columns"}

var descriptionSentences = []string{
	"This dataset contains %s collected over several years.",
	"Each row is one record, and each column describes one attribute of it.",
	"The data was scraped from public sources, cleaned, and merged into a single CSV file.",
	"Missing values are marked as empty fields; no imputation was done.",
	"Prices are in US dollars, not adjusted for inflation.",
	"Use it to practise exploratory data analysis, feature engineering, or forecasting.",
	"If you use this data, please credit the original authors and upvote the dataset.",
	"Column names follow the \"snake_case\" convention, e.g. \"total_amount\".",
	"The original files were published under an open licence; see the licence section.",
	"Images are 224x224 pixels, RGB, stored as PNG files in one folder per class.",
	"The target variable is imbalanced: only about 3% of the rows are positive.",
	"Dates are in UTC and formatted as YYYY-MM-DD.",
	"Thanks to everyone who contributed to the collection, especially the volunteers.",
	"Bộ dữ liệu này gồm %s, được thu thập và làm sạch cẩn thận.",
	"Набор данных содержит %s за несколько лет.",
	"本数据集包含%s，数据来源于公开网站。",
	"Questions? Open a discussion, or write to the maintainers.",
	"Some records may contain errors; please report them in the discussion tab.",
}

var descriptionBullets = []string{
	"- `id`: unique identifier",
	"- `date`: observation date",
	"- `price`: price in USD",
	"- `label`: the class, 0 or 1",
	"- `text`: the raw text, in UTF-8",
	"- `city`, `state`, `country`: location",
	"- Source: official open-data portal",
	"- License: CC0, no rights reserved",
	"- Update frequency: monthly",
}

var versionNotes = []string{"Initial release", "Updated data", "Added 2024 data",
	"Fixed typos, removed duplicates", "Renamed \"price\" column", "Data update 2025-01-15",
	"Added new images", "Cleaned missing values", "Automatic update", "Version 2",
	"Re-uploaded with UTF-8 encoding", "Added data dictionary; fixed column types"}

var licenses = []string{"CC0: Public Domain", "Unknown", "Other (specified in description)",
	"CC BY-SA 4.0", "Attribution 4.0 International (CC BY 4.0)",
	"Database: Open Database, Contents: Database Contents", "MIT", "Apache 2.0", "GPL 2",
	"CC BY-NC-SA 4.0", "Community Data License Agreement - Permissive - Version 1.0",
	"U.S. Government Works", "ODC Public Domain Dedication and Licence (PDDL)",
	"World Bank Dataset Terms of Use"}

var licenseWeights = []uint32{30, 20, 10, 8, 8, 5, 5, 3, 2, 5, 2, 2, 1, 1}

var datasetTypes = []string{"Dataset", "Competition", "Kernel Output"}

var datasetTypeWeights = []uint32{93, 4, 3}

// Competitions.

var hostSegments = []string{"Community", "InClass", "Featured", "Research", "Playground",
	"Getting Started", "Recruitment", "Analytics", "Masters", "Prospect", "GE Quests"}

var hostSegmentWeights = []uint32{520, 280, 65, 40, 35, 12, 8, 15, 3, 3, 2}

const (
	segCommunity = iota
	segInClass
	segFeatured
	segResearch
	segPlayground
	segGettingStarted
	segRecruitment
	segAnalytics
	segMasters
	segProspect
	segGEQuests
)

var sponsors = []string{"Jigsaw", "Google", "Santander", "Home Credit", "Two Sigma", "Zillow",
	"Mercari", "IEEE-CIS", "RSNA", "Rossmann", "Walmart", "Allstate", "Optiver", "Jane Street",
	"HuBMAP", "Child Mind Institute", "Lux AI", "CAFA", "Cornell", "NFL", "Shopee", "VinBigData"}

var competitionSuffixes = []string{"Challenge", "Competition", "Prediction", "Forecasting",
	"Classification", "Detection", "Recognition"}

var gettingStarted = []titled{
	{"Titanic - Machine Learning from Disaster", "titanic"},
	{"House Prices - Advanced Regression Techniques", "house-prices-advanced-regression-techniques"},
	{"Digit Recognizer", "digit-recognizer"},
	{"Natural Language Processing with Disaster Tweets", "nlp-getting-started"},
	{"Spaceship Titanic", "spaceship-titanic"},
	{"Store Sales - Time Series Forecasting", "store-sales-time-series-forecasting"},
}

var classTitles = []titled{
	{"Dự đoán giá nhà - Lớp Học máy K65", "du-doan-gia-nha-k65"},
	{"2024 기계학습 중간고사 문제 2", "ml-midterm-2024-problem-2"},
	{"Классификация отзывов (ODS)", "ods-review-classification"},
	{"CS 4780 Final Project, Spring", "cs4780-final-project"},
	{"DSAI Homework 3: \"Predict the Churn\"", "dsai-homework-3"},
	{"机器学习课程期末项目", "ml-course-final-project"},
}

var universities = []string{"Stanford University", "IITU", "Moscow Institute of Physics and Technology",
	"General Assembly", "Hanoi University of Science and Technology", "Universidade de São Paulo",
	"Technische Universität München", "Seoul National University", "Tsinghua University"}

type metric struct {
	abbr, name, description string
	isMax                   bool
}

var metrics = []metric{
	{"CategorizationAccuracy", "Categorization Accuracy", "Share of items assigned to the right category.", true},
	{"RMSE", "Root Mean Squared Error", "Square root of the mean of the squared differences between predicted and actual values.\nLower is better.", false},
	{"AUC", "Area Under Receiver Operating Characteristic Curve", "How well a score separates positive from negative examples: 0.5 is random, 1.0 is perfect.", true},
	{"MeanFScore", "Mean F-Score", "Harmonic mean of precision and recall, averaged over the rows.", true},
	{"MAE", "Mean Absolute Error", "Mean of the absolute differences between predicted and actual values.", false},
	{"MSE", "Mean Squared Error", "Mean of the squared differences between predicted and actual values.", false},
	{"LogLoss", "Log Loss", "Negative log-likelihood of the true labels under the predicted probabilities.\n\nPredictions are clipped to [1e-15, 1 - 1e-15].", false},
	{"F_{Beta}", "F-Beta Score", "Weighted harmonic mean of precision and recall; beta sets the weight of recall.", true},
	{"MAP@{K}", "Mean Average Precision @ K", "Mean, over the queries, of the average precision of the top K predictions.", true},
	{"QuadraticWeightedKappa", "Quadratic Weighted Kappa", "Agreement between two ratings, corrected for chance,\nwith disagreements weighted by their squared distance.", true},
	{"RMSLE", "Root Mean Squared Logarithmic Error", "RMSE computed on log(1 + x), so relative errors count, not absolute ones.", false},
	{"SMAPE", "Symmetric Mean Absolute Percentage Error", "Mean of |F - A| / ((|A| + |F|) / 2), in percent.", false},
	{"MulticlassLoss", "Multi Class Log Loss", "Log loss averaged over the classes and rows.", false},
	{"PearsonCorrelation", "Pearson Correlation Coefficient", "Linear correlation between predictions and targets.", true},
	{"Dice", "Dice Coefficient", "2 · |X ∩ Y| / (|X| + |Y|), averaged over the images.", true},
	{"Custom", "Custom Evaluation Metric", "Scored by a competition-specific metric; see the \"Evaluation\" page.", false},
}

var metricWeights = []uint32{35, 18, 12, 6, 5, 3, 4, 2, 2, 2, 2, 1, 2, 1, 1, 2}

type validationSet struct{ name, value string }

var validationSets = []validationSet{{"", ""}, {"Predicted Probability", "[0,1]"},
	{"A real number", "(-Infinity, Infinity)"}, {"Any value", "null"},
	{"Non-negative Integer Values", "{ 0, 1, 2, ..., 1000000}"}, {"Boolean", "{0, 1}"}}

var validationSetWeights = []uint32{88, 8, 2, 1, 1, 1}

var competitionLicenses = []string{"", "Subject to Competition Rules",
	"Attribution 4.0 International (CC BY 4.0)", "CC BY-NC-SA 4.0", "Apache 2.0", "MIT"}

var leaderboardFormats = []string{"0.00000", "0.00000", "0.00000", "0.000", "0.0000", "0.00"}

// Kernels: URL slugs are built from these words.
var kernelVerbs = []string{"eda", "starter", "baseline", "simple", "complete", "beginner",
	"advanced", "fast", "tutorial", "end-to-end", "visual", "quick", "deep"}

var kernelTopics = []string{"titanic", "house-prices", "credit-card-fraud", "customer-churn",
	"sentiment-analysis", "digit-recognizer", "stock-price", "covid19", "spaceship-titanic",
	"netflix", "heart-disease", "image-classification", "time-series", "nlp", "llm"}

var kernelMethods = []string{"lightgbm", "xgboost", "random-forest", "cnn", "bert", "lstm",
	"logistic-regression", "catboost", "pytorch", "keras", "eda", "feature-engineering",
	"ensemble", "prediction", "analysis", "notebook", "visualization", "pipeline"}
